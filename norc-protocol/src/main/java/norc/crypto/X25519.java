package norc.crypto;

import java.security.SecureRandom;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * X25519 (RFC 7748) for the handshake's ephemeral agreement (wire profile §3) and key wrapping
 * (§6), over BouncyCastle's {@code org.bouncycastle.math.ec.rfc7748.X25519}.
 *
 * <p>Policy: an all-zero shared secret (a low-order or otherwise contributory-failing peer key,
 * RFC 7748 §6.1) is refused with {@code WEAK_KEY}, tested in constant time. Other peer values are
 * taken as RFC 7748 prescribes: the top bit of the u-coordinate is ignored, non-canonical
 * coordinates ({@code u >= 2^255 - 19}) are reduced, and points on the twist are multiplied like any
 * other; none of these can yield a zero secret without being caught by the zero check.
 */
public final class X25519 {
    public static final int KEY_LENGTH = org.bouncycastle.math.ec.rfc7748.X25519.POINT_SIZE;

    private X25519() {
    }

    /** An X25519 key pair: the 32-byte secret scalar and the 32-byte public u-coordinate. */
    public record KeyPair(byte[] secretKey, byte[] publicKey) {
        @Override
        public String toString() {
            return "X25519.KeyPair[publicKey=" + Bytes.hex(publicKey) + "]"; // never the secret
        }
    }

    /** A fresh key pair drawn from {@code random}. */
    public static KeyPair generate(SecureRandom random) {
        byte[] sk = new byte[KEY_LENGTH];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePrivateKey(random, sk);
        return new KeyPair(sk, publicKeyOf(sk));
    }

    /**
     * The public key {@code X25519(secret, 9)}; the secret is clamped as RFC 7748 §5 says.
     *
     * @throws NorcException {@code INVALID_FIELD} if the secret is not 32 bytes
     */
    public static byte[] publicKeyOf(byte[] secret32) {
        requireLength(secret32, "X25519 secret key must be 32 bytes");
        byte[] pk = new byte[KEY_LENGTH];
        org.bouncycastle.math.ec.rfc7748.X25519.scalarMultBase(secret32, 0, pk, 0);
        return pk;
    }

    /**
     * The shared secret {@code X25519(secret, peerPublic)}.
     *
     * @throws NorcException {@code INVALID_FIELD} on a wrong length, {@code WEAK_KEY} if the result
     *     is all zero
     */
    public static byte[] agree(byte[] secret32, byte[] peerPublic32) {
        requireLength(secret32, "X25519 secret key must be 32 bytes");
        requireLength(peerPublic32, "X25519 public key must be 32 bytes");
        byte[] shared = new byte[KEY_LENGTH];
        org.bouncycastle.math.ec.rfc7748.X25519.scalarMult(secret32, 0, peerPublic32, 0, shared, 0);
        if (Bytes.isAllZero(shared)) {
            throw new NorcException(ErrorCode.WEAK_KEY, "X25519 shared secret is all zero");
        }
        return shared;
    }

    private static void requireLength(byte[] key, String detail) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, detail);
        }
    }
}
