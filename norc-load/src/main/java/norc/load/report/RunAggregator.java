package norc.load.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import norc.load.engine.Counter;
import norc.load.engine.Interval;
import norc.load.engine.Metric;
import norc.load.engine.Metrics;
import org.HdrHistogram.Histogram;

/**
 * Merges the per-second {@link Interval}s of every worker into one run: per-second rows (sums of
 * counters, sessions held, latency histograms) and run totals (histograms added exactly, counters,
 * errors by label). Workers may report a second at slightly different moments; a worker that has
 * not reported a second yet counts with the sessions it held last.
 */
public final class RunAggregator {
    /** One second of the whole run. */
    public static final class Second {
        final int second;
        final Map<Counter, Long> counters = new EnumMap<>(Counter.class);
        final Map<String, Long> errors = new HashMap<>();
        final Map<Metric, Histogram> latencies = new EnumMap<>(Metric.class);
        final long[] heldByWorker;
        final boolean[] reported;

        Second(int second, int workers) {
            this.second = second;
            this.heldByWorker = new long[workers];
            this.reported = new boolean[workers];
        }

        public int second() {
            return second;
        }

        public long count(Counter c) {
            return counters.getOrDefault(c, 0L);
        }

        public long held() {
            return Arrays.stream(heldByWorker).sum();
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        public Histogram latency(Metric m) {
            return latencies.get(m);
        }

        boolean complete() {
            for (boolean r : reported) {
                if (!r) {
                    return false;
                }
            }
            return true;
        }
    }

    private final int workers;
    private final TreeMap<Integer, Second> seconds = new TreeMap<>();
    private final long[] lastHeld;
    private final Map<Metric, Histogram> totals = new EnumMap<>(Metric.class);
    private final Map<Counter, Long> counterTotals = new EnumMap<>(Counter.class);
    private final Map<String, Long> errorTotals = new HashMap<>();

    public RunAggregator(int workers) {
        this.workers = workers;
        this.lastHeld = new long[workers];
    }

    /** Adds one worker's second; returns that second if it is now complete (all workers in). */
    public synchronized Second add(int worker, Interval interval) {
        Second s = seconds.computeIfAbsent(interval.second(), k -> {
            Second fresh = new Second(k, workers);
            System.arraycopy(lastHeld, 0, fresh.heldByWorker, 0, workers);
            return fresh;
        });
        interval.counters().forEach((c, n) -> {
            s.counters.merge(c, n, Long::sum);
            counterTotals.merge(c, n, Long::sum);
        });
        interval.errors().forEach((label, n) -> {
            s.errors.merge(label, n, Long::sum);
            errorTotals.merge(label, n, Long::sum);
        });
        interval.latencies().forEach((m, h) -> {
            s.latencies.computeIfAbsent(m, k -> newHistogram()).add(h);
            totals.computeIfAbsent(m, k -> newHistogram()).add(h);
        });
        s.heldByWorker[worker] = interval.sessionsHeld();
        s.reported[worker] = true;
        lastHeld[worker] = interval.sessionsHeld();
        // later seconds created before this report carried an older value
        for (Second later : seconds.tailMap(interval.second(), false).values()) {
            if (!later.reported[worker]) {
                later.heldByWorker[worker] = interval.sessionsHeld();
            }
        }
        return s.complete() ? s : null;
    }

    public static Histogram newHistogram() {
        return new Histogram(1, Metrics.HIGHEST_MICROS, Metrics.SIGNIFICANT_DIGITS);
    }

    public synchronized List<Second> seconds() {
        return new ArrayList<>(seconds.values());
    }

    public synchronized Map<Metric, Histogram> totals() {
        Map<Metric, Histogram> out = new EnumMap<>(Metric.class);
        totals.forEach((m, h) -> out.put(m, h.copy()));
        return out;
    }

    public synchronized Map<Counter, Long> counterTotals() {
        Map<Counter, Long> out = new EnumMap<>(Counter.class);
        out.putAll(counterTotals);
        return out;
    }

    public synchronized long total(Counter c) {
        return counterTotals.getOrDefault(c, 0L);
    }

    public synchronized Map<String, Long> errorTotals() {
        return new HashMap<>(errorTotals);
    }

    public int workers() {
        return workers;
    }
}
