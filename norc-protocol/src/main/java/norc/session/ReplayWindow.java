package norc.session;

/**
 * The receiver's sliding bitmap of recently accepted sequence numbers (spec §6.6, profile §4.4).
 * A sequence {@code s} is inside the window when {@code highest - s < size}; the first accepted
 * frame sets {@code highest}. {@link #isFresh} only looks; {@link #markAccepted} moves the window
 * and must be called only after the frame's AEAD tag verified, so a forged frame cannot push
 * genuine ones out. Sequences compare unsigned (they are u64 on the wire). Not thread-safe: one
 * window belongs to one session direction.
 */
public final class ReplayWindow {
    /** The profile's minimum window. */
    public static final int MIN_SIZE = 1024;

    private final int size;
    private final long[] bits;
    private boolean empty = true;
    private long highest;

    /** @param size at least 1024 and a multiple of 64 */
    public ReplayWindow(int size) {
        if (size < MIN_SIZE || size % 64 != 0) {
            throw new IllegalArgumentException("replay window must be >= 1024 and a multiple of 64");
        }
        this.size = size;
        this.bits = new long[size / 64];
    }

    public int size() {
        return size;
    }

    /** True when {@code seq} has not been accepted and is not older than the window. */
    public boolean isFresh(long seq) {
        if (empty || Long.compareUnsigned(seq, highest) > 0) {
            return true;
        }
        long behind = highest - seq;
        if (Long.compareUnsigned(behind, size) >= 0) {
            return false;
        }
        return !isSet(seq);
    }

    /** Records {@code seq} as accepted; the caller has checked {@link #isFresh} and the AEAD tag. */
    public void markAccepted(long seq) {
        if (empty) {
            empty = false;
            highest = seq;
        } else if (Long.compareUnsigned(seq, highest) > 0) {
            long advance = seq - highest;
            if (Long.compareUnsigned(advance, size) >= 0) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long s = highest + 1; s != seq; s++) {
                    clear(s);
                }
            }
            highest = seq;
        }
        set(seq);
    }

    /** The highest sequence accepted so far; meaningful only after the first. */
    public long highest() {
        return highest;
    }

    private int index(long seq) {
        return (int) Long.remainderUnsigned(seq, size);
    }

    private boolean isSet(long seq) {
        int i = index(seq);
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private void set(long seq) {
        int i = index(seq);
        bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long seq) {
        int i = index(seq);
        bits[i >>> 6] &= ~(1L << (i & 63));
    }
}
