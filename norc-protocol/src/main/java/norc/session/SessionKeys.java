package norc.session;

import java.util.Set;
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
                          byte[] serverToClient, Set<String> capabilities) {
    /** Groups profile D: implicit traffic-key update every 1000 frames per direction. */
    public static final String TK_UPDATE = "tk_update_v1";
    /** Groups profile C: {@code device_key_rotate} and {@code key_expiry_notice}. */
    public static final String KEY_ROTATION = "key_rotation_v1";
    /** Groups profile A: conversations the server holds ({@code conversation_create}, {@code membership_update}, group sends). */
    public static final String GROUPS = "groups_v1";
    /** Groups profile B: encrypted file chunks ({@code file_chunk_upload}, {@code file_chunk_request}). */
    public static final String FILES = "files_v1";

    public SessionKeys {
        capabilities = Set.copyOf(capabilities);
    }

    /** Keys of a session that negotiated no capability. */
    public SessionKeys(ProtocolVersion version, CipherSuite suite, boolean compatibilityMode, UUID sessionId,
                       String serverId, byte[] serverPublicKey, byte[] transcriptHash, byte[] clientToServer,
                       byte[] serverToClient) {
        this(version, suite, compatibilityMode, sessionId, serverId, serverPublicKey, transcriptHash, clientToServer,
                serverToClient, Set.of());
    }

    /**
     * The capabilities both sides named in the handshake (groups profile §0: a feature is on only if
     * its atom is in both {@code capabilities} and {@code server_capabilities}, both inside {@code th}).
     */
    public static Set<String> negotiated(java.util.List<String> client, java.util.List<String> server) {
        Set<String> both = new java.util.HashSet<>(client);
        both.retainAll(server);
        return both;
    }

    public boolean has(String capability) {
        return capabilities.contains(capability);
    }

    @Override
    public String toString() {
        return "SessionKeys[version=" + version + ", suite=" + suite.code() + ", session=" + sessionId + "]";
    }
}
