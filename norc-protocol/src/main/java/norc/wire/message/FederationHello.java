package norc.wire.message;

import java.util.List;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code federation_hello} (0x70): opens a federation link and offers NORC-F and NORC-T versions
 * (spec §4.1.1, profile §7). Signed by the sending server's identity key over its canonical form
 * without {@code signature}; {@code timestamp} in µs.
 */
public record FederationHello(
        String serverId,
        ProtocolVersions protocolVersions,
        List<@Atom String> capabilities,
        @Fixed(16) byte[] nonce,
        long timestamp,
        @Fixed(32) byte[] serverPublicKey,
        @Fixed(64) byte[] signature) implements FederationMessage {

    /** Offered versions per layer, each in preference order. */
    public record ProtocolVersions(List<String> norcF, List<String> norcT) {}
}
