package norc.wire.message;

import java.util.List;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.schema.Wire.Fixed;

/** {@code trust_request} (0xA0): asks a peer for a trust level (spec §5.2.1). */
public record TrustRequest(
        String requestingServer,
        String requestedServer,
        TrustLevel trustLevel,
        List<byte[]> certificateChain,
        byte[] proofOfControl,
        ContactInfo contactInfo,
        long timestamp,
        @Fixed(64) byte[] signature) implements TrustMessage {

    public record ContactInfo(String adminEmail, String organization, String country) {}
}
