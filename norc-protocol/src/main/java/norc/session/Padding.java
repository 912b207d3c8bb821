package norc.session;

import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * Privacy padding (spec §6.15, profile §4.2): {@code u32(len) || payload || zeros}, up to the next
 * power of two with a 256-byte minimum, and above 64 KiB up to the next multiple of 64 KiB.
 */
public final class Padding {
    public static final int MIN_BUCKET = 256;
    public static final int LARGE_STEP = 64 * 1024;
    /** Groups profile B.3 (clarification F.7): file chunk frames past 64 KiB grow in steps of 4 KiB. */
    public static final int CHUNK_STEP = 4 * 1024;

    private Padding() {}

    /** The padded plaintext length for a payload of {@code payloadLength} bytes. */
    public static int paddedLength(int payloadLength) {
        return paddedLength(payloadLength, false);
    }

    /**
     * The padded plaintext length for a payload of {@code payloadLength} bytes; {@code chunkFrame}:
     * the payload of a {@code file_chunk_upload} or {@code file_chunk} frame, which past 64 KiB is
     * padded to the next multiple of 4 KiB rather than 64 KiB (a full chunk: 69,632 bytes).
     */
    public static int paddedLength(int payloadLength, boolean chunkFrame) {
        long n = 4L + payloadLength;
        if (n <= MIN_BUCKET) {
            return MIN_BUCKET;
        }
        if (n <= LARGE_STEP) {
            return Integer.highestOneBit((int) n - 1) << 1;
        }
        int step = chunkFrame ? CHUNK_STEP : LARGE_STEP;
        long rounded = (n + step - 1) / step * step;
        if (rounded > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("payload too large to pad");
        }
        return (int) rounded;
    }

    /** Whether frames of {@code type} pad past 64 KiB in steps of 4 KiB (groups profile B.3). */
    public static boolean isChunkFrame(norc.wire.MessageType type) {
        return type == norc.wire.MessageType.FILE_CHUNK_UPLOAD || type == norc.wire.MessageType.FILE_CHUNK;
    }

    /** A new array holding the padded form of {@code payload[off, off+len)}. */
    public static byte[] pad(byte[] payload, int off, int len) {
        return pad(payload, off, len, false);
    }

    /** {@link #pad(byte[], int, int)} with the step of {@link #paddedLength(int, boolean)}. */
    public static byte[] pad(byte[] payload, int off, int len, boolean chunkFrame) {
        byte[] out = new byte[paddedLength(len, chunkFrame)];
        Bytes.putU32(out, 0, len);
        System.arraycopy(payload, off, out, 4, len);
        return out;
    }

    public static byte[] pad(byte[] payload) {
        return pad(payload, 0, payload.length);
    }

    /**
     * The payload length inside a padded plaintext, after checking that the declared length fits,
     * that the total is exactly the bucket for it, and that every padding byte is zero.
     */
    public static int payloadLength(byte[] padded) {
        return payloadLength(padded, false);
    }

    /** {@link #payloadLength(byte[])} for a frame whose padding follows {@link #paddedLength(int, boolean)}. */
    public static int payloadLength(byte[] padded, boolean chunkFrame) {
        if (padded.length < 4) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "padded plaintext too short");
        }
        long declared = ((long) (padded[0] & 0xFF) << 24) | ((padded[1] & 0xFF) << 16)
                | ((padded[2] & 0xFF) << 8) | (padded[3] & 0xFF);
        if (declared > padded.length - 4L || paddedLength((int) declared, chunkFrame) != padded.length) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "padding length mismatch");
        }
        if (!Bytes.isAllZero(padded, 4 + (int) declared, padded.length - 4 - (int) declared)) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "non-zero padding");
        }
        return (int) declared;
    }
}
