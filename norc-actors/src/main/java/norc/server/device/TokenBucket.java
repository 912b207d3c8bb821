package norc.server.device;

/**
 * A token bucket for one of a device's spec §6.16 budgets: {@code capacity} tokens, refilled at
 * {@code perMinute}. Not persisted: after a restart a device starts with a full bucket. Not
 * thread-safe; owned by one entity.
 */
public final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long updatedAt;

    public TokenBucket(double capacity, double perMinute, long nowNanos) {
        this.capacity = capacity;
        this.perNano = perMinute / 60e9;
        this.tokens = capacity;
        this.updatedAt = nowNanos;
    }

    /** Whether the bucket has refilled to its capacity by {@code nowNanos}. */
    public boolean full(long nowNanos) {
        return tokens + (nowNanos - updatedAt) * perNano >= capacity;
    }

    /** Takes one token; returns 0 when allowed, else the seconds until one is available (at least 1). */
    public long take(long nowNanos) {
        long wait = shortfall(1, nowNanos);
        if (wait == 0) {
            tokens -= 1;
        }
        return wait;
    }

    /**
     * Refills, then returns 0 if {@code amount} tokens (at most the capacity) are there, else the
     * seconds until they are (at least 1); takes nothing. With {@link #spend} for two buckets spent
     * together.
     */
    public long shortfall(double amount, long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - updatedAt) * perNano);
        updatedAt = nowNanos;
        double needed = Math.min(amount, capacity);
        return tokens >= needed ? 0 : Math.max(1, (long) Math.ceil((needed - tokens) / perNano / 1e9));
    }

    /** Takes {@code amount} tokens (at most the capacity) that {@link #shortfall} found. */
    public void spend(double amount) {
        tokens -= Math.min(amount, capacity);
    }
}
