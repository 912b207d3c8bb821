package norc.wire.message;

import java.util.Optional;
import norc.wire.message.Atoms.TrustRevocationReason;
import norc.wire.schema.Wire.Fixed;

/** {@code trust_revoke} (0xA3): signed revocation that cuts federation links at once (spec §5.3); {@code effectiveDate} in µs. */
public record TrustRevoke(
        String revokingServer,
        String revokedServer,
        TrustRevocationReason reason,
        long effectiveDate,
        Optional<byte[]> revocationProof,
        @Fixed(64) byte[] signature) implements TrustMessage {}
