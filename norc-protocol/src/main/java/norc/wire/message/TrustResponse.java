package norc.wire.message;

import java.util.List;
import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code trust_response} (0xA2): the signed challenge (spec §5.2.2). {@code signature} covers the
 * challenge data and this message without it.
 */
public record TrustResponse(
        UUID challengeId,
        List<byte[]> additionalProofs,
        @Fixed(64) byte[] signature) implements TrustMessage {}
