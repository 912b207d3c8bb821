package norc.crypto;

import norc.error.ErrorCode;
import norc.error.NorcException;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.params.Blake3Parameters;

/**
 * BLAKE3 ({@code B3} in the wire profile: 32-byte output), keyed BLAKE3 (the building block of
 * HKDF-BLAKE3, wire profile §3) and BLAKE3 extended output, over BouncyCastle's
 * {@link Blake3Digest}. One digest is cached per thread, so a call allocates only its result;
 * keyed state is wiped from the cached digest before a keyed call returns.
 */
public final class Blake3 {
    /** Output length of {@code B3}, and the key length of keyed BLAKE3. */
    public static final int LENGTH = 32;

    private static final ThreadLocal<Blake3Digest> DIGEST = ThreadLocal.withInitial(Blake3Digest::new);

    private Blake3() {
    }

    /** {@code B3(parts[0] || parts[1] || ...)}, 32 bytes. */
    public static byte[] hash(byte[]... parts) {
        Blake3Digest d = unkeyed();
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        return finish(d, LENGTH);
    }

    /** {@code B3(in[off, off+len))}, 32 bytes. */
    public static byte[] hash(byte[] in, int off, int len) {
        Blake3Digest d = unkeyed();
        d.update(in, off, len);
        return finish(d, LENGTH);
    }

    /**
     * Keyed BLAKE3 of the concatenation of {@code parts}, 32 bytes.
     *
     * @throws NorcException {@code INVALID_FIELD} if the key is not 32 bytes
     */
    public static byte[] keyedHash(byte[] key32, byte[]... parts) {
        Blake3Digest d = keyed(key32);
        try {
            for (byte[] p : parts) {
                d.update(p, 0, p.length);
            }
            return finish(d, LENGTH);
        } finally {
            wipe(d);
        }
    }

    /** The first {@code outLen} bytes of BLAKE3's extended output of {@code in}. */
    public static byte[] xof(byte[] in, int outLen) {
        return xof(null, in, outLen);
    }

    /**
     * The first {@code outLen} bytes of keyed BLAKE3's extended output of {@code in}.
     *
     * @throws NorcException {@code INVALID_FIELD} if the key is not 32 bytes
     */
    public static byte[] keyedXof(byte[] key32, byte[] in, int outLen) {
        return xof(key32, in, outLen);
    }

    private static byte[] xof(byte[] key32, byte[] in, int outLen) {
        if (outLen < 0) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "negative output length");
        }
        Blake3Digest d = key32 == null ? unkeyed() : keyed(key32);
        try {
            d.update(in, 0, in.length);
            return finish(d, outLen);
        } finally {
            if (key32 != null) {
                wipe(d);
            }
        }
    }

    /** The thread's digest, reset to unkeyed mode. */
    static Blake3Digest unkeyed() {
        Blake3Digest d = DIGEST.get();
        d.init(null); // unkeyed mode whatever the previous use was
        return d;
    }

    /** The thread's digest, keyed with {@code key32}; callers must {@link #wipe} it when done. */
    static Blake3Digest keyed(byte[] key32) {
        if (key32 == null || key32.length != LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "BLAKE3 key must be 32 bytes");
        }
        Blake3Digest d = DIGEST.get();
        d.init(Blake3Parameters.key(key32)); // copies the key and zeroes the copy after use
        return d;
    }

    /** Returns the thread's digest to unkeyed mode, dropping any key-dependent state. */
    static void wipe(Blake3Digest d) {
        d.init(null);
    }

    private static byte[] finish(Blake3Digest d, int outLen) {
        byte[] out = new byte[outLen];
        d.doFinal(out, 0, outLen);
        return out;
    }
}
