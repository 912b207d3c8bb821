package norc.crypto;

/**
 * An AEAD with a 12-byte nonce and a 16-byte tag appended to the ciphertext: ChaCha20-Poly1305
 * for suites 0001/0101 (wire profile §3, §4.2, §6) and AES-GCM for suite 0002.
 *
 * <p>{@code open} fails with {@code DECRYPT_FAILED} for every kind of bad input (wrong tag,
 * input shorter than a tag, tampered AAD) without saying which. Wrong key or nonce lengths are a
 * caller error and fail with {@code INVALID_FIELD}. A {@code null} AAD means an empty one.
 * Implementations are stateless and thread-safe.
 */
public interface Aead {
    /** Nonce length in bytes. */
    int NONCE_LENGTH = 12;
    /** Tag length in bytes, appended to the ciphertext. */
    int TAG_LENGTH = 16;

    /** The ciphertext of {@code plaintext[off, off+len)} followed by its tag. */
    byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int off, int len);

    /**
     * The plaintext of {@code ciphertextAndTag[off, off+len)}.
     *
     * @throws norc.error.NorcException {@code DECRYPT_FAILED} if the input does not authenticate
     */
    byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertextAndTag, int off, int len);

    /** The ciphertext of {@code plaintext} followed by its tag. */
    default byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return seal(key, nonce, aad, plaintext, 0, plaintext.length);
    }

    /**
     * The plaintext of {@code ciphertextAndTag}.
     *
     * @throws norc.error.NorcException {@code DECRYPT_FAILED} if the input does not authenticate
     */
    default byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertextAndTag) {
        return open(key, nonce, aad, ciphertextAndTag, 0, ciphertextAndTag.length);
    }
}
