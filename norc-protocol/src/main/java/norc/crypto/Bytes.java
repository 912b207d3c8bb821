package norc.crypto;

import java.util.UUID;

/**
 * Byte helpers shared by the crypto code and the wire layer: hex, concatenation, the big-endian
 * {@code u16/u32/u64} of wire profile (notation paragraph), UUIDs as their 16 raw bytes (wire
 * profile §4.3 {@code uuid}), and a constant-time all-zero test.
 */
public final class Bytes {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Bytes() {
    }

    /** Lowercase hex of {@code data}. */
    public static String hex(byte[] data) {
        char[] out = new char[data.length * 2];
        for (int i = 0; i < data.length; i++) {
            out[2 * i] = HEX[(data[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[data[i] & 0xF];
        }
        return new String(out);
    }

    /**
     * Bytes of a hex string (upper or lower case).
     *
     * @throws IllegalArgumentException on odd length or a non-hex character
     */
    public static byte[] unhex(CharSequence hex) {
        int n = hex.length();
        if ((n & 1) != 0) {
            throw new IllegalArgumentException("odd hex length");
        }
        byte[] out = new byte[n / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16);
            int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("non-hex character");
            }
            out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    /** The concatenation of {@code parts}, in order. */
    public static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total = Math.addExact(total, p.length);
        }
        byte[] out = new byte[total];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    /** {@code u16(v)}: two bytes, big-endian; only the low 16 bits of {@code v} are used. */
    public static byte[] u16(int v) {
        byte[] out = new byte[2];
        putU16(out, 0, v);
        return out;
    }

    /** {@code u32(v)}: four bytes, big-endian; only the low 32 bits of {@code v} are used. */
    public static byte[] u32(long v) {
        byte[] out = new byte[4];
        putU32(out, 0, v);
        return out;
    }

    /** {@code u64(v)}: eight bytes, big-endian (two's complement bits of {@code v}). */
    public static byte[] u64(long v) {
        byte[] out = new byte[8];
        putU64(out, 0, v);
        return out;
    }

    /** Writes {@code u16(v)} at {@code dst[off]}; returns {@code off + 2}. */
    public static int putU16(byte[] dst, int off, int v) {
        dst[off] = (byte) (v >>> 8);
        dst[off + 1] = (byte) v;
        return off + 2;
    }

    /** Writes {@code u32(v)} at {@code dst[off]}; returns {@code off + 4}. */
    public static int putU32(byte[] dst, int off, long v) {
        dst[off] = (byte) (v >>> 24);
        dst[off + 1] = (byte) (v >>> 16);
        dst[off + 2] = (byte) (v >>> 8);
        dst[off + 3] = (byte) v;
        return off + 4;
    }

    /** Writes {@code u64(v)} at {@code dst[off]}; returns {@code off + 8}. */
    public static int putU64(byte[] dst, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            dst[off + i] = (byte) v;
            v >>>= 8;
        }
        return off + 8;
    }

    /** The 16 bytes of a UUID: most significant long, then least significant long, big-endian. */
    public static byte[] uuidBytes(UUID id) {
        byte[] out = new byte[16];
        putUuid(out, 0, id);
        return out;
    }

    /** Writes the 16 bytes of {@code id} at {@code dst[off]}; returns {@code off + 16}. */
    public static int putUuid(byte[] dst, int off, UUID id) {
        putU64(dst, off, id.getMostSignificantBits());
        return putU64(dst, off + 8, id.getLeastSignificantBits());
    }

    /** Whether every byte of {@code data} is zero, in time that depends only on its length. */
    public static boolean isAllZero(byte[] data) {
        return isAllZero(data, 0, data.length);
    }

    /** Whether {@code data[off, off+len)} is all zero, in time that depends only on {@code len}. */
    public static boolean isAllZero(byte[] data, int off, int len) {
        int acc = 0;
        for (int i = 0; i < len; i++) {
            acc |= data[off + i];
        }
        return acc == 0;
    }
}
