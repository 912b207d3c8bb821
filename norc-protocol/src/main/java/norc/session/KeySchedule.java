package norc.session;

import java.nio.charset.StandardCharsets;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.crypto.HkdfBlake3;
import norc.wire.ProtocolVersion;

/**
 * The NORC-C handshake key schedule (profile §3), shared by both sides:
 * <pre>
 * th  = B3("norc-c-handshake-v1" || canon(connection_request) || canon(connection_accepted \ server_signature))
 * sig = Ed25519(server_sk, "norc:server-hello:v1" || th)
 * ms  = HKDF(salt = client_nonce || server_nonce, ikm = ss, info = "norc:ms:v1" || version || u16(suite) || th, 32)
 * k_c2s = HKDF(empty, ms, "norc:tk:c2s:v1", 32);  k_s2c = HKDF(empty, ms, "norc:tk:s2c:v1", 32)
 * </pre>
 */
public final class KeySchedule {
    private static final byte[] TRANSCRIPT_LABEL = "norc-c-handshake-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_HELLO_LABEL = "norc:server-hello:v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private KeySchedule() {}

    public static byte[] transcriptHash(byte[] canonicalRequest, byte[] canonicalAcceptedWithoutSignature) {
        return Blake3.hash(TRANSCRIPT_LABEL, canonicalRequest, canonicalAcceptedWithoutSignature);
    }

    public static byte[] signServerHello(byte[] serverSecretKey, byte[] transcriptHash) {
        return Ed25519.sign(serverSecretKey, SERVER_HELLO_LABEL, transcriptHash);
    }

    public static boolean verifyServerHello(byte[] serverPublicKey, byte[] signature, byte[] transcriptHash) {
        return Ed25519.verify(serverPublicKey, signature, SERVER_HELLO_LABEL, transcriptHash);
    }

    public static byte[] masterSecret(byte[] sharedSecret, byte[] clientNonce, byte[] serverNonce,
                                      ProtocolVersion version, CipherSuite suite, byte[] transcriptHash) {
        byte[] info = HkdfBlake3.info("norc:ms:v1", version.toString().getBytes(StandardCharsets.US_ASCII),
                Bytes.u16(suite.id()), transcriptHash);
        return HkdfBlake3.derive(Bytes.concat(clientNonce, serverNonce), sharedSecret, info, 32);
    }

    public static byte[] clientToServerKey(byte[] masterSecret) {
        return HkdfBlake3.derive(EMPTY, masterSecret, HkdfBlake3.info("norc:tk:c2s:v1"), 32);
    }

    public static byte[] serverToClientKey(byte[] masterSecret) {
        return HkdfBlake3.derive(EMPTY, masterSecret, HkdfBlake3.info("norc:tk:s2c:v1"), 32);
    }
}
