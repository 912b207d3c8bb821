package norc.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * An {@link Aead} over a JDK {@link Cipher}, one cached per thread so that a call does not pay
 * for {@code Cipher.getInstance}.
 *
 * <p>The JDK refuses to re-initialise a ChaCha20-Poly1305 cipher with the key and nonce of its
 * previous initialisation (in either mode), and an AES-GCM cipher for encryption with the key and
 * IV of its previous encryption. That guard cannot tell a second, legitimate use (opening the same
 * frame twice, a deterministic test vector) from nonce misuse, which this layer leaves to its
 * callers (sequence-number nonces, fresh content keys). When the JDK refuses, the cipher is first
 * initialised with a throw-away nonce and then with the real one.
 */
abstract class JdkAead implements Aead {
    private final String transformation;
    private final String keyAlgorithm;
    private final ThreadLocal<Cipher> cipher;

    JdkAead(String transformation, String keyAlgorithm) {
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
        this.cipher = ThreadLocal.withInitial(this::newCipher);
    }

    /** Whether {@code length} is a key length this AEAD accepts. */
    abstract boolean validKeyLength(int length);

    /** The JDK parameters for a 12-byte nonce. */
    abstract AlgorithmParameterSpec parameters(byte[] nonce);

    @Override
    public final byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int off, int len) {
        checkKeyAndNonce(key, nonce);
        Objects.checkFromIndexSize(off, len, plaintext.length);
        Cipher c = cipher.get();
        try {
            init(c, Cipher.ENCRYPT_MODE, key, nonce);
            if (aad != null && aad.length > 0) {
                c.updateAAD(aad);
            }
            return c.doFinal(plaintext, off, len);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new NorcException(ErrorCode.INTERNAL, "AEAD seal failed in the provider", e);
        }
    }

    @Override
    public final byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertextAndTag, int off, int len) {
        checkKeyAndNonce(key, nonce);
        Objects.checkFromIndexSize(off, len, ciphertextAndTag.length);
        if (len < TAG_LENGTH) {
            throw decryptFailed();
        }
        Cipher c = cipher.get();
        try {
            init(c, Cipher.DECRYPT_MODE, key, nonce);
            if (aad != null && aad.length > 0) {
                c.updateAAD(aad);
            }
            return c.doFinal(ciphertextAndTag, off, len);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw decryptFailed();
        }
    }

    private void init(Cipher c, int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
        SecretKeySpec keySpec = new SecretKeySpec(key, keyAlgorithm);
        try {
            c.init(mode, keySpec, parameters(nonce));
        } catch (InvalidKeyException | InvalidAlgorithmParameterException sameKeyAndNonce) {
            // Lengths were checked, so this is the JDK's same-key-and-nonce guard: move it off.
            byte[] other = nonce.clone();
            other[0] ^= 1;
            c.init(mode, keySpec, parameters(other));
            c.init(mode, keySpec, parameters(nonce));
        }
    }

    private void checkKeyAndNonce(byte[] key, byte[] nonce) {
        if (key == null || !validKeyLength(key.length)) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "AEAD key has a wrong length");
        }
        if (nonce == null || nonce.length != NONCE_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "AEAD nonce must be 12 bytes");
        }
    }

    private static NorcException decryptFailed() {
        // One detail and no cause for every failure: nobody learns whether the tag or the length failed.
        return new NorcException(ErrorCode.DECRYPT_FAILED, "AEAD open failed");
    }

    private Cipher newCipher() {
        try {
            return Cipher.getInstance(transformation);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(transformation + " is not available in this JDK", e);
        }
    }
}
