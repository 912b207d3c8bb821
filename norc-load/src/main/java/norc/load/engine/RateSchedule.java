package norc.load.engine;

/**
 * A constant-rate schedule of {@code total} events (session starts, reconnects): event {@code i}
 * (from 0) is due at {@code i / rate} seconds, so {@link #dueBy} tells a pacing loop how many
 * should have started by a given elapsed time. It does not drift when the loop wakes late: a late
 * wake starts the whole backlog at once. {@code total < 0} means no end.
 */
public record RateSchedule(double perSecond, long total) {
    public RateSchedule {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("the rate must be a positive number");
        }
    }

    /** How many events are due after {@code elapsedNanos} (the first one at 0). */
    public long dueBy(long elapsedNanos) {
        if (elapsedNanos < 0) {
            return 0;
        }
        long due = (long) Math.floor(elapsedNanos / 1e9 * perSecond) + 1;
        return total < 0 ? due : Math.min(total, due);
    }

    /** When the last event is due, in nanoseconds from the start ({@code 0} for one or none). */
    public long lastDueNanos() {
        if (total < 0) {
            throw new IllegalStateException("an endless schedule has no last event");
        }
        return total <= 1 ? 0 : (long) Math.ceil((total - 1) / perSecond * 1e9);
    }
}
