package norc.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * HKDF-BLAKE3 exactly as wire profile §3 defines it (a spec fix: the spec names it without a
 * definition). It is keyed-BLAKE3 extract/expand, not HMAC over BLAKE3:
 * <pre>
 * Extract(salt, ikm) = B3_keyed(key = K(salt), ikm)
 *     K(s) = s if |s| = 32, 32 zero bytes if s is empty, else B3(s)
 * Expand(prk, info, L): T(0) = empty, T(i) = B3_keyed(prk, T(i-1) || info || u8(i)),
 *     output the first L bytes of T(1) || T(2) || ..., L &lt;= 255*32
 * </pre>
 * Every {@code info} starts with a {@code norc:} label; {@link #info} builds one.
 */
public final class HkdfBlake3 {
    /** Largest output of {@link #expand}: {@code 255 * 32} bytes. */
    public static final int MAX_LENGTH = 255 * Blake3.LENGTH;

    private static final String LABEL_PREFIX = "norc:";

    private HkdfBlake3() {
    }

    /** {@code Extract(salt, ikm)}: a 32-byte pseudorandom key. */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] key;
        if (salt.length == Blake3.LENGTH) {
            key = salt;
        } else if (salt.length == 0) {
            key = new byte[Blake3.LENGTH];
        } else {
            key = Blake3.hash(salt);
        }
        return Blake3.keyedHash(key, ikm);
    }

    /**
     * {@code Expand(prk, info, length)}.
     *
     * @throws NorcException {@code INVALID_FIELD} if {@code prk} is not 32 bytes or
     *     {@code length} is outside {@code [0, 255*32]}
     */
    public static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "HKDF output length out of range");
        }
        byte[] out = new byte[length];
        byte[] t = new byte[Blake3.LENGTH];
        int tLen = 0; // T(0) is empty
        int written = 0;
        for (int i = 1; written < length; i++) {
            Blake3Digest d = Blake3.keyed(prk);
            try {
                d.update(t, 0, tLen);
                d.update(info, 0, info.length);
                d.update((byte) i);
                d.doFinal(t, 0, Blake3.LENGTH);
            } finally {
                Blake3.wipe(d);
            }
            tLen = Blake3.LENGTH;
            int n = Math.min(Blake3.LENGTH, length - written);
            System.arraycopy(t, 0, out, written, n);
            written += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /** {@code Expand(Extract(salt, ikm), info, length)}. */
    public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "HKDF output length out of range");
        }
        byte[] prk = extract(salt, ikm);
        try {
            return expand(prk, info, length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    /**
     * An {@code info} value: the ASCII bytes of {@code label} followed by {@code more}.
     *
     * @throws IllegalArgumentException if {@code label} does not start with {@code norc:} or is not
     *     ASCII (a programming error: labels are constants)
     */
    public static byte[] info(String label, byte[]... more) {
        if (!label.startsWith(LABEL_PREFIX)) {
            throw new IllegalArgumentException("HKDF info label must start with " + LABEL_PREFIX);
        }
        for (int i = 0; i < label.length(); i++) {
            if (label.charAt(i) > 0x7F) {
                throw new IllegalArgumentException("HKDF info label must be ASCII");
            }
        }
        byte[] head = label.getBytes(StandardCharsets.US_ASCII);
        int total = head.length;
        for (byte[] m : more) {
            total = Math.addExact(total, m.length);
        }
        byte[] out = new byte[total];
        System.arraycopy(head, 0, out, 0, head.length);
        int off = head.length;
        for (byte[] m : more) {
            System.arraycopy(m, 0, out, off, m.length);
            off += m.length;
        }
        return out;
    }
}
