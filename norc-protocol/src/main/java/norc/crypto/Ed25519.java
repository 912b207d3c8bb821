package norc.crypto;

import java.security.SecureRandom;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * Ed25519 (RFC 8032, pure, no context) for the server identity signature of the handshake (wire
 * profile §3), message signatures (§6) and federation signatures (§7), over BouncyCastle's
 * {@code org.bouncycastle.math.ec.rfc8032.Ed25519}.
 *
 * <p>Verification is strict and total: it returns {@code false}, never throws, for wrong lengths,
 * {@code S >= L} (malleability), non-canonical encodings of {@code R} or of the public key, and
 * any other garbage. Secret keys are the 32-byte RFC 8032 seeds.
 */
public final class Ed25519 {
    public static final int SECRET_KEY_LENGTH = org.bouncycastle.math.ec.rfc8032.Ed25519.SECRET_KEY_SIZE;
    public static final int PUBLIC_KEY_LENGTH = org.bouncycastle.math.ec.rfc8032.Ed25519.PUBLIC_KEY_SIZE;
    public static final int SIGNATURE_LENGTH = org.bouncycastle.math.ec.rfc8032.Ed25519.SIGNATURE_SIZE;

    private Ed25519() {
    }

    /** An Ed25519 key pair: the 32-byte secret seed and the 32-byte encoded public key. */
    public record KeyPair(byte[] secretKey, byte[] publicKey) {
        @Override
        public String toString() {
            return "Ed25519.KeyPair[publicKey=" + Bytes.hex(publicKey) + "]"; // never the secret
        }
    }

    /** A fresh key pair drawn from {@code random}. */
    public static KeyPair generate(SecureRandom random) {
        byte[] sk = new byte[SECRET_KEY_LENGTH];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePrivateKey(random, sk);
        return new KeyPair(sk, publicKeyOf(sk));
    }

    /**
     * The public key of a 32-byte secret seed.
     *
     * @throws NorcException {@code INVALID_FIELD} if the secret is not 32 bytes
     */
    public static byte[] publicKeyOf(byte[] secret32) {
        requireSecret(secret32);
        byte[] pk = new byte[PUBLIC_KEY_LENGTH];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(secret32, 0, pk, 0);
        return pk;
    }

    /**
     * The 64-byte signature of the concatenation of {@code messageParts}.
     *
     * @throws NorcException {@code INVALID_FIELD} if the secret is not 32 bytes
     */
    public static byte[] sign(byte[] secret32, byte[]... messageParts) {
        requireSecret(secret32);
        byte[] m = join(messageParts);
        byte[] sig = new byte[SIGNATURE_LENGTH];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(secret32, 0, m, 0, m.length, sig, 0);
        return sig;
    }

    /**
     * Whether {@code signature64} is a valid signature by {@code publicKey32} of the concatenation
     * of {@code messageParts}. Total: any malformed input yields {@code false}.
     */
    public static boolean verify(byte[] publicKey32, byte[] signature64, byte[]... messageParts) {
        if (publicKey32 == null || publicKey32.length != PUBLIC_KEY_LENGTH
                || signature64 == null || signature64.length != SIGNATURE_LENGTH
                || messageParts == null) {
            return false;
        }
        for (byte[] part : messageParts) {
            if (part == null) {
                return false;
            }
        }
        byte[] m = join(messageParts);
        try {
            // BC rejects S >= L, a non-canonical R or public key, and undecodable points.
            return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature64, 0, publicKey32, 0, m, 0, m.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Like {@link #verify} but throws when the signature does not verify.
     *
     * @throws NorcException {@code INVALID_SIGNATURE}
     */
    public static void verifyOrThrow(byte[] publicKey32, byte[] signature64, byte[]... messageParts) {
        if (!verify(publicKey32, signature64, messageParts)) {
            throw new NorcException(ErrorCode.INVALID_SIGNATURE, "Ed25519 signature does not verify");
        }
    }

    private static void requireSecret(byte[] secret32) {
        if (secret32 == null || secret32.length != SECRET_KEY_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "Ed25519 secret key must be 32 bytes");
        }
    }

    private static byte[] join(byte[][] parts) {
        return parts.length == 1 ? parts[0] : Bytes.concat(parts);
    }
}
