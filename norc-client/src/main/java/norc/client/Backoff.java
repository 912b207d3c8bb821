package norc.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter for reconnecting (spec §9.2 "automatic reconnection with
 * exponential backoff"): before attempt {@code n} (0 = the first after a loss) wait a uniformly
 * random time in {@code [0, min(cap, base × 2^n)]}. The jitter spreads the reconnects of many
 * clients that lost the same node, so they do not arrive at the next one all at once.
 *
 * @param base the ceiling of the first delay (default 250 ms)
 * @param cap the largest ceiling (default 4 s)
 */
public record Backoff(Duration base, Duration cap) {
    /**
     * 250 ms, doubling up to 4 s. The cap bounds how long a client waits after the server could
     * serve it again: when a cluster node dies, its devices can authenticate elsewhere only once
     * the cluster has downed it (~12 s), and a cap of 10 s added up to 10 s more (ClusterIT's
     * reconnect p99 was 22 s); the full jitter still spreads the reconnects.
     */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(4));

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap");
        }
    }

    /** The largest delay before attempt {@code attempt}: {@code min(cap, base × 2^attempt)}. */
    public Duration ceiling(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must not be negative");
        }
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        if (attempt >= 63 || baseNanos > (capNanos >> attempt)) {
            return cap; // base × 2^attempt would pass the cap (or overflow)
        }
        return Duration.ofNanos(baseNanos << attempt);
    }

    /** The delay before attempt {@code attempt}: uniform in {@code [0, ceiling(attempt)]}, drawn from {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        long ceiling = ceiling(attempt).toNanos();
        return Duration.ofNanos(random.nextLong(ceiling + 1));
    }
}
