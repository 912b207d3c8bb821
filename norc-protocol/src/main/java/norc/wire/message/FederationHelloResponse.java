package norc.wire.message;

import java.util.List;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code federation_hello_response} (0x71): the negotiated NORC-F and NORC-T versions (profile §1,
 * §7). {@code signature} covers the transcript {@code B3("norc-f-handshake-v1" || canon(hello) ||
 * canon(this \ signature))}.
 */
public record FederationHelloResponse(
        String serverId,
        NegotiatedVersions negotiatedVersions,
        List<String> compatibilityWarnings,
        List<@Atom String> capabilities,
        @Fixed(16) byte[] nonce,
        long timestamp,
        @Fixed(32) byte[] serverPublicKey,
        @Fixed(64) byte[] signature) implements FederationMessage {

    public record NegotiatedVersions(String norcF, String norcT) {}
}
