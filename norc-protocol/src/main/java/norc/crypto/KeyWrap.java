package norc.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * Wrapping of a message's 32-byte content key for one recipient device, wire profile §6 (spec
 * §6.11 with the profile's spec fix on the salt, which the recipient must be able to compute
 * before unwrapping). With {@code version} the end-to-end envelope version {@code "2.0"}:
 * <pre>
 * salt        = B3("norc:wrap-salt:v1" || message_id)
 * wrap_key    = HKDF(salt, ikm = X25519(eph, recipient kex_public_key),
 *                    info = "norc:wrap:v1" || ascii(version) || ascii(device_id canonical), 32)
 * nonce       = first 12 bytes of B3(ascii(device_id canonical) || message_id)
 * aad         = message_id || conversation_id
 * wrapped_key = ChaCha20-Poly1305(wrap_key, nonce, aad, content_key)     (48 bytes)
 * </pre>
 * UUIDs enter as their 16 bytes, or as the canonical lowercase string where {@code ascii(..)} says so.
 */
public final class KeyWrap {
    /** The end-to-end envelope version bound into every wrap (wire profile §6). */
    public static final String ENVELOPE_VERSION = "2.0";
    public static final int CONTENT_KEY_LENGTH = 32;
    public static final int WRAPPED_KEY_LENGTH = CONTENT_KEY_LENGTH + Aead.TAG_LENGTH;

    private static final byte[] SALT_LABEL = "norc:wrap-salt:v1".getBytes(StandardCharsets.US_ASCII);
    private static final String INFO_LABEL = "norc:wrap:v1";
    private static final byte[] VERSION_ASCII = ENVELOPE_VERSION.getBytes(StandardCharsets.US_ASCII);

    private KeyWrap() {
    }

    /** One recipient device's entry of {@code keys}: the sender's ephemeral X25519 key and the wrapped key. */
    public record Wrapped(byte[] ephemeralPublicKey, byte[] wrappedKey) {
        /**
         * @throws NorcException {@code INVALID_FIELD} unless the key is 32 bytes and the wrapped
         *     key 48 bytes
         */
        public Wrapped {
            if (ephemeralPublicKey == null || ephemeralPublicKey.length != X25519.KEY_LENGTH) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "ephemeral_public_key must be 32 bytes");
            }
            if (wrappedKey == null || wrappedKey.length != WRAPPED_KEY_LENGTH) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "wrapped_key must be 48 bytes");
            }
        }
    }

    /**
     * Wraps {@code contentKey32} for the device whose key-exchange public key is
     * {@code recipientKexPublic32}, with a fresh ephemeral key from {@code random}.
     *
     * @throws NorcException {@code INVALID_FIELD} on wrong key lengths, {@code WEAK_KEY} if the
     *     recipient key yields an all-zero X25519 secret
     */
    public static Wrapped wrap(byte[] contentKey32, UUID messageId, UUID conversationId, UUID deviceId,
            byte[] recipientKexPublic32, SecureRandom random) {
        X25519.KeyPair eph = X25519.generate(random);
        try {
            return wrap(contentKey32, messageId, conversationId, deviceId, recipientKexPublic32, eph);
        } finally {
            Arrays.fill(eph.secretKey(), (byte) 0);
        }
    }

    /**
     * {@link #wrap} with a given ephemeral secret, for test vectors. Production code uses the
     * {@code SecureRandom} overload: an ephemeral key serves one message and one device.
     */
    public static Wrapped wrap(byte[] contentKey32, UUID messageId, UUID conversationId, UUID deviceId,
            byte[] recipientKexPublic32, byte[] ephemeralSecret32) {
        return wrap(contentKey32, messageId, conversationId, deviceId, recipientKexPublic32,
                new X25519.KeyPair(ephemeralSecret32, X25519.publicKeyOf(ephemeralSecret32)));
    }

    /** The shared body: the ephemeral pair arrives whole, so its public key is computed only once. */
    private static Wrapped wrap(byte[] contentKey32, UUID messageId, UUID conversationId, UUID deviceId,
            byte[] recipientKexPublic32, X25519.KeyPair ephemeral) {
        if (contentKey32 == null || contentKey32.length != CONTENT_KEY_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "content key must be 32 bytes");
        }
        byte[] ephPublic = ephemeral.publicKey();
        byte[] shared = X25519.agree(ephemeral.secretKey(), recipientKexPublic32);
        byte[] wrapKey = wrapKey(shared, messageId, deviceId);
        try {
            byte[] wrapped = ChaCha20Poly1305.INSTANCE.seal(wrapKey, nonce(deviceId, messageId),
                    aad(messageId, conversationId), contentKey32);
            return new Wrapped(ephPublic, wrapped);
        } finally {
            Arrays.fill(shared, (byte) 0);
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /**
     * The content key in {@code wrapped}, for the device {@code deviceId} holding
     * {@code recipientKexSecret32}.
     *
     * @throws NorcException {@code DECRYPT_FAILED} if it does not unwrap (any reason, including a
     *     low-order ephemeral key), {@code INVALID_FIELD} if the secret is not 32 bytes
     */
    public static byte[] unwrap(Wrapped wrapped, UUID messageId, UUID conversationId, UUID deviceId,
            byte[] recipientKexSecret32) {
        if (recipientKexSecret32 == null || recipientKexSecret32.length != X25519.KEY_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "X25519 secret key must be 32 bytes");
        }
        byte[] shared;
        try {
            shared = X25519.agree(recipientKexSecret32, wrapped.ephemeralPublicKey());
        } catch (NorcException weak) {
            throw new NorcException(ErrorCode.DECRYPT_FAILED, "key unwrap failed");
        }
        byte[] wrapKey = wrapKey(shared, messageId, deviceId);
        try {
            return ChaCha20Poly1305.INSTANCE.open(wrapKey, nonce(deviceId, messageId),
                    aad(messageId, conversationId), wrapped.wrappedKey());
        } catch (NorcException e) {
            throw new NorcException(ErrorCode.DECRYPT_FAILED, "key unwrap failed");
        } finally {
            Arrays.fill(shared, (byte) 0);
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /** {@code B3("norc:wrap-salt:v1" || message_id)}. */
    static byte[] salt(UUID messageId) {
        return Blake3.hash(SALT_LABEL, Bytes.uuidBytes(messageId));
    }

    /** {@code HKDF(salt(message_id), shared, "norc:wrap:v1" || "2.0" || ascii(device_id), 32)}. */
    static byte[] wrapKey(byte[] shared, UUID messageId, UUID deviceId) {
        byte[] info = HkdfBlake3.info(INFO_LABEL, VERSION_ASCII, deviceAscii(deviceId));
        return HkdfBlake3.derive(salt(messageId), shared, info, 32);
    }

    /** The first 12 bytes of {@code B3(ascii(device_id) || message_id)}. */
    static byte[] nonce(UUID deviceId, UUID messageId) {
        return Arrays.copyOf(Blake3.hash(deviceAscii(deviceId), Bytes.uuidBytes(messageId)), Aead.NONCE_LENGTH);
    }

    /** {@code message_id || conversation_id}, 32 bytes. */
    static byte[] aad(UUID messageId, UUID conversationId) {
        byte[] aad = new byte[32];
        Bytes.putUuid(aad, Bytes.putUuid(aad, 0, messageId), conversationId);
        return aad;
    }

    /** The canonical lowercase form, e.g. {@code 550e8400-e29b-41d4-a716-446655440000}. */
    private static byte[] deviceAscii(UUID deviceId) {
        return deviceId.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
