package norc.wire;

import java.util.UUID;
import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * The header that precedes a session frame's ciphertext (spec §8.1 made byte-exact by profile
 * §4.1, and the 1.x header of profile §4.5).
 *
 * <pre>
 * v2 (64 bytes): major u8 | minor u8 | type u8 | length u32 | message_id 16 | sequence u64 | prev_message_hash 32 | reserved u8 = 0
 * v1 (23 bytes): major u8 | minor u8 | type u8 | length u32 | message_id 16
 * </pre>
 *
 * {@code length} is the ciphertext length including the tag and must equal the bytes that follow.
 * In a v1 header {@code sequenceNumber} and {@code prevMessageHash} are not on the wire; a decoded
 * v1 header carries 0 and {@code null}, and the session supplies its implicit counter.
 */
public record FrameHeader(int major, int minor, int typeCode, long length, UUID messageId, long sequenceNumber,
                          byte[] prevMessageHash) {
    public static final int V2_LENGTH = 64;
    public static final int V1_LENGTH = 23;
    public static final int HASH_LENGTH = 32;

    /** Header size for a session of this major version. */
    public static int lengthFor(int major) {
        return major == 1 ? V1_LENGTH : V2_LENGTH;
    }

    /** Writes this header in the layout of its major version into {@code dst} at {@code off}; returns bytes written. */
    public int writeTo(byte[] dst, int off) {
        dst[off] = (byte) major;
        dst[off + 1] = (byte) minor;
        dst[off + 2] = (byte) typeCode;
        Bytes.putU32(dst, off + 3, length);
        Bytes.putUuid(dst, off + 7, messageId);
        if (major == 1) {
            return V1_LENGTH;
        }
        Bytes.putU64(dst, off + 23, sequenceNumber);
        System.arraycopy(prevMessageHash, 0, dst, off + 31, HASH_LENGTH);
        dst[off + 63] = 0;
        return V2_LENGTH;
    }

    /**
     * Parses the header at the start of a WebSocket message for a session of {@code major.minor}.
     * Wrong version bytes, a non-zero reserved byte, or a {@code length} that does not match the
     * remaining bytes exactly are {@code INVALID_HEADER}; a message shorter than a header is
     * {@code TRUNCATED}.
     */
    public static FrameHeader parse(byte[] frame, int major, int minor) {
        int headerLength = lengthFor(major);
        if (frame.length < headerLength) {
            throw new NorcException(ErrorCode.TRUNCATED, "frame shorter than its header");
        }
        if ((frame[0] & 0xFF) != major || (frame[1] & 0xFF) != minor) {
            throw new NorcException(ErrorCode.INVALID_HEADER, "version bytes do not match the session");
        }
        long length = getU32(frame, 3);
        if (length != frame.length - headerLength) {
            throw new NorcException(ErrorCode.INVALID_HEADER, "length does not match the frame");
        }
        UUID messageId = new UUID(getU64(frame, 7), getU64(frame, 15));
        if (major == 1) {
            return new FrameHeader(major, minor, frame[2] & 0xFF, length, messageId, 0, null);
        }
        if (frame[63] != 0) {
            throw new NorcException(ErrorCode.INVALID_HEADER, "reserved byte not zero");
        }
        byte[] prev = new byte[HASH_LENGTH];
        System.arraycopy(frame, 31, prev, 0, HASH_LENGTH);
        return new FrameHeader(major, minor, frame[2] & 0xFF, length, messageId, getU64(frame, 23), prev);
    }

    static long getU32(byte[] src, int off) {
        return ((long) (src[off] & 0xFF) << 24) | ((src[off + 1] & 0xFF) << 16) | ((src[off + 2] & 0xFF) << 8)
                | (src[off + 3] & 0xFF);
    }

    static long getU64(byte[] src, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (src[off + i] & 0xFF);
        }
        return v;
    }
}
