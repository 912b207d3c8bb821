package norc.load.engine;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measurements of one worker, safe to record from any thread: an HdrHistogram
 * {@link Recorder} per {@link Metric} (µs, 1 µs to 1 h, 3 significant digits), counters, errors
 * by label and the sessions held. {@link #interval} swaps the recorders and returns what happened
 * since the previous call.
 */
public final class Metrics {
    /** Highest trackable latency: one hour in µs. */
    public static final long HIGHEST_MICROS = 3_600_000_000L;
    public static final int SIGNIFICANT_DIGITS = 3;

    private final Map<Metric, Recorder> recorders = new EnumMap<>(Metric.class);
    private final Map<Metric, Histogram> recycled = new EnumMap<>(Metric.class);
    private final Map<Counter, LongAdder> counters = new EnumMap<>(Counter.class);
    private final Map<Counter, Long> reported = new EnumMap<>(Counter.class);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, Long> reportedErrors = new HashMap<>();
    private final AtomicLong held = new AtomicLong();

    public Metrics() {
        for (Metric m : Metric.values()) {
            recorders.put(m, new Recorder(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS));
        }
        for (Counter c : Counter.values()) {
            counters.put(c, new LongAdder());
            reported.put(c, 0L);
        }
    }

    /** A latency in nanoseconds, stored in µs (clamped into the trackable range). */
    public void recordNanos(Metric metric, long nanos) {
        recordMicros(metric, nanos / 1_000);
    }

    public void recordMicros(Metric metric, long micros) {
        recorders.get(metric).recordValue(Math.max(1, Math.min(HIGHEST_MICROS, micros)));
    }

    public void increment(Counter counter) {
        counters.get(counter).increment();
    }

    public void add(Counter counter, long amount) {
        counters.get(counter).add(amount);
    }

    public void error(String label) {
        errors.computeIfAbsent(label, l -> new LongAdder()).increment();
    }

    public void sessionUp() {
        held.incrementAndGet();
    }

    public void sessionDown() {
        held.decrementAndGet();
    }

    public long held() {
        return held.get();
    }

    public long total(Counter counter) {
        return counters.get(counter).sum();
    }

    /** Everything since the previous call, labelled {@code second}. Call from one thread. */
    public synchronized Interval interval(int second) {
        Map<Counter, Long> deltas = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            long now = counters.get(c).sum();
            long delta = now - reported.get(c);
            reported.put(c, now);
            if (delta != 0) {
                deltas.put(c, delta);
            }
        }
        Map<String, Long> newErrors = new HashMap<>();
        for (Map.Entry<String, LongAdder> e : errors.entrySet()) {
            long now = e.getValue().sum();
            long delta = now - reportedErrors.getOrDefault(e.getKey(), 0L);
            reportedErrors.put(e.getKey(), now);
            if (delta != 0) {
                newErrors.put(e.getKey(), delta);
            }
        }
        Map<Metric, Histogram> latencies = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            Histogram h = recorders.get(m).getIntervalHistogram(recycled.get(m));
            if (h.getTotalCount() > 0) {
                latencies.put(m, h.copy());
            }
            recycled.put(m, h);
        }
        return new Interval(second, deltas, held.get(), newErrors, latencies);
    }
}
