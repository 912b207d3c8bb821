package norc.wire;

import java.util.Arrays;
import java.util.UUID;

/**
 * A growable big-endian byte sink for the binary encoding (profile §4.3). Not thread-safe; reuse
 * one per thread with {@link #reset()} to keep encoding allocation-light.
 */
public final class WireWriter {
    private byte[] buf;
    private int size;

    public WireWriter() {
        this(256);
    }

    public WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public WireWriter reset() {
        size = 0;
        return this;
    }

    public int size() {
        return size;
    }

    /** The internal buffer; valid bytes are {@code [0, size())}. */
    public byte[] buffer() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int extra) {
        int needed = size + extra;
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(needed, buf.length * 2));
        }
    }

    public WireWriter u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter u16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter u32(long v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public WireWriter u64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    public WireWriter uuid(UUID id) {
        u64(id.getMostSignificantBits());
        return u64(id.getLeastSignificantBits());
    }

    public WireWriter raw(byte[] data) {
        return raw(data, 0, data.length);
    }

    public WireWriter raw(byte[] data, int off, int len) {
        ensure(len);
        System.arraycopy(data, off, buf, size, len);
        size += len;
        return this;
    }

    /** {@code u32 length || data}. */
    public WireWriter bytes(byte[] data) {
        u32(data.length);
        return raw(data);
    }

    /** Zero bytes, e.g. padding. */
    public WireWriter zeros(int count) {
        ensure(count);
        Arrays.fill(buf, size, size + count, (byte) 0);
        size += count;
        return this;
    }
}
