package norc.crypto;

import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * ChaCha20-Poly1305 (RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag; the AEAD of suites 0001
 * and 0101 for session frames (wire profile §4.2) and end-to-end content and key wrapping (§6).
 * Runs on the JDK's implementation, which is faster than BouncyCastle's here.
 */
public final class ChaCha20Poly1305 extends JdkAead {
    /** Key length in bytes. */
    public static final int KEY_LENGTH = 32;

    /** The one instance; stateless and thread-safe. */
    public static final ChaCha20Poly1305 INSTANCE = new ChaCha20Poly1305();

    private ChaCha20Poly1305() {
        super("ChaCha20-Poly1305", "ChaCha20");
    }

    @Override
    boolean validKeyLength(int length) {
        return length == KEY_LENGTH;
    }

    @Override
    AlgorithmParameterSpec parameters(byte[] nonce) {
        return new IvParameterSpec(nonce);
    }

    @Override
    public String toString() {
        return "ChaCha20-Poly1305";
    }
}
