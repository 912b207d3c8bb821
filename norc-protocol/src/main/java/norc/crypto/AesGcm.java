package norc.crypto;

import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-GCM with a 16-, 24- or 32-byte key, a 12-byte nonce and a 16-byte tag: the AEAD of the
 * optional suite 0002 (wire profile §3), exposed for completeness; this implementation's handshake
 * does not negotiate 0002. Runs on the JDK's implementation.
 */
public final class AesGcm extends JdkAead {
    private static final int TAG_BITS = TAG_LENGTH * 8;

    /** The one instance; stateless and thread-safe. */
    public static final AesGcm INSTANCE = new AesGcm();

    private AesGcm() {
        super("AES/GCM/NoPadding", "AES");
    }

    @Override
    boolean validKeyLength(int length) {
        return length == 16 || length == 24 || length == 32;
    }

    @Override
    AlgorithmParameterSpec parameters(byte[] nonce) {
        return new GCMParameterSpec(TAG_BITS, nonce);
    }

    @Override
    public String toString() {
        return "AES-GCM";
    }
}
