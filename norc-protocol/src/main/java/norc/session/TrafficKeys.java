package norc.session;

import java.util.Arrays;
import norc.crypto.HkdfBlake3;

/**
 * One direction's traffic keys under the implicit update of groups profile D: the frame with
 * sequence {@code s} uses {@code k[n]}, {@code n = floor((s − s0) / 1000)}, where
 * {@code k[n+1] = HKDF(empty, k[n], "norc:tk:update:v1", 32)} and {@code s0} is the direction's first
 * sequence after the handshake. Holds only the current epoch's key: moving forward erases the
 * previous one (forward secrecy per 1000 frames); an older epoch is never available again.
 * Not thread-safe: each direction is used by one side's single sender or receiver.
 */
public final class TrafficKeys {
    public static final int FRAMES_PER_EPOCH = 1000;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] INFO = HkdfBlake3.info("norc:tk:update:v1");

    private final long firstSequence;
    private byte[] key;
    private long epoch;

    /** {@code initialKey}: {@code k_c2s} or {@code k_s2c} (kept, not copied); {@code firstSequence}: {@code s0}. */
    public TrafficKeys(byte[] initialKey, long firstSequence) {
        this.key = initialKey;
        this.firstSequence = firstSequence;
    }

    public static byte[] next(byte[] key) {
        return HkdfBlake3.derive(EMPTY, key, INFO, 32);
    }

    /** The epoch of sequence {@code s}, or {@code -1} if it precedes {@code s0}. */
    public long epochOf(long sequence) {
        long offset = sequence - firstSequence;
        return offset < 0 ? -1 : offset / FRAMES_PER_EPOCH;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * The key of {@code targetEpoch} if it is the current one or later (deriving forward without
     * erasing, so a receiver can try it before committing); {@code null} for an earlier epoch.
     */
    public byte[] peek(long targetEpoch) {
        if (targetEpoch < epoch) {
            return null;
        }
        byte[] k = key;
        for (long e = epoch; e < targetEpoch; e++) {
            byte[] derived = next(k);
            if (k != key) {
                Arrays.fill(k, (byte) 0);
            }
            k = derived;
        }
        return k;
    }

    /** Makes {@code targetEpoch} (≥ the current one) current, erasing every earlier key. */
    public byte[] advanceTo(long targetEpoch) {
        byte[] k = peek(targetEpoch);
        if (k == null) {
            throw new IllegalStateException("epoch " + targetEpoch + " is behind " + epoch);
        }
        if (k != key) {
            Arrays.fill(key, (byte) 0);
            key = k;
            epoch = targetEpoch;
        }
        return k;
    }
}
