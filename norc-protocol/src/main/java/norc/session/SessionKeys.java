package norc.session;

import java.util.UUID;
import norc.crypto.CipherSuite;
import norc.wire.ProtocolVersion;

/**
 * What a completed NORC-C handshake yields (profile §3): the negotiated version and suite, the
 * transcript hash {@code th} bound into every frame's AAD, and one traffic key per direction.
 * Holds secret key material: never log it.
 */
public record SessionKeys(ProtocolVersion version, CipherSuite suite, boolean compatibilityMode, UUID sessionId,
                          String serverId, byte[] serverPublicKey, byte[] transcriptHash, byte[] clientToServer,
                          byte[] serverToClient) {

    @Override
    public String toString() {
        return "SessionKeys[version=" + version + ", suite=" + suite.code() + ", session=" + sessionId + "]";
    }
}
