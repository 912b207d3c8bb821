package norc.wire.message;

import java.util.UUID;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.schema.Wire.Fixed;

/** {@code trust_challenge} (0xA1): 32 random bytes to sign (spec §5.2.2, profile §7); {@code expiresAt} in s. */
public record TrustChallenge(
        UUID challengeId,
        @Fixed(32) byte[] challengeData,
        ValidationMethod validationMethod,
        long expiresAt,
        @Fixed(64) byte[] signature) implements TrustMessage {}
