package norc.wire.message;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code connection_accepted} (0x01): the server's answer (profile §3). {@code serverSignature} is
 * Ed25519 over {@code "norc:server-hello:v1" || th}, where {@code th} covers this message without it.
 */
public record ConnectionAccepted(
        String negotiatedVersion,
        List<String> serverVersions,
        List<@Atom String> serverCapabilities,
        boolean compatibilityMode,
        String cipherSuite,
        List<String> serverSuites,
        @Fixed(16) byte[] serverNonce,
        @Fixed(32) byte[] ephemeralPublicKey,
        Optional<@Fixed(1088) byte[]> pqCiphertext,
        UUID sessionId,
        String serverId,
        @Fixed(32) byte[] serverPublicKey,
        @Fixed(64) byte[] serverSignature) implements ClientMessage {

    /** The field the transcript hash leaves out. */
    public static final String SIGNATURE_FIELD = "server_signature";
}
