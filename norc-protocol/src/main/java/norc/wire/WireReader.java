package norc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * A strict big-endian cursor over a byte range (profile §4.3). Every read checks the remaining
 * bytes first, and every declared length is checked against the remaining bytes and the limit
 * before anything is allocated for it.
 */
public final class WireReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public WireReader(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IndexOutOfBoundsException();
        }
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    public byte[] array() {
        return buf;
    }

    private void need(int n) {
        if (n > end - pos) {
            throw new NorcException(ErrorCode.TRUNCATED, "need " + n + " bytes, have " + (end - pos));
        }
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int u16() {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public long u32() {
        need(4);
        long v = ((long) (buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16)
                | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** A {@code bool}: exactly 0 or 1, anything else is {@code INVALID_FLAG}. */
    public boolean flag() {
        int b = u8();
        if (b > 1) {
            throw new NorcException(ErrorCode.INVALID_FLAG, "flag byte " + b);
        }
        return b == 1;
    }

    public UUID uuid() {
        need(16);
        return new UUID(u64(), u64());
    }

    /** Exactly {@code n} raw bytes. */
    public byte[] raw(int n) {
        need(n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /**
     * Reads a {@code u32} length prefix and checks it against the remaining bytes
     * ({@code TRUNCATED}) and the limit ({@code LIMIT_EXCEEDED}); returns the length, position after
     * the prefix.
     */
    public int length(int limit) {
        long declared = u32();
        if (declared > end - pos) {
            throw new NorcException(ErrorCode.TRUNCATED, "declared length " + declared + " past the end");
        }
        if (declared > limit) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "declared length " + declared + " over " + limit);
        }
        return (int) declared;
    }

    /** {@code u32 length || data}. */
    public byte[] bytes(int limit) {
        return raw(length(limit));
    }

    /** {@code u32 length || UTF-8}, rejecting malformed UTF-8 with {@code INVALID_UTF8}. */
    public String string(int limit) {
        int n = length(limit);
        String s = utf8(buf, pos, n);
        pos += n;
        return s;
    }

    /** Skips {@code n} bytes already checked by the caller. */
    public void skip(int n) {
        need(n);
        pos += n;
    }

    /** Throws {@code TRAILING_BYTES} unless the range is consumed exactly. */
    public void expectEnd() {
        if (pos != end) {
            throw new NorcException(ErrorCode.TRAILING_BYTES, (end - pos) + " trailing bytes");
        }
    }

    /** Strict UTF-8 decoding: overlong forms, surrogates and truncated sequences are rejected. */
    public static String utf8(byte[] data, int off, int len) {
        boolean ascii = true;
        for (int i = off; i < off + len; i++) {
            if (data[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(data, off, len, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, off, len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new NorcException(ErrorCode.INVALID_UTF8, "malformed UTF-8");
        }
    }
}
