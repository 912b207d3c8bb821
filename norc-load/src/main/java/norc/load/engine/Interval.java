package norc.load.engine;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one worker measured during one second of a run: counter increments, the sessions held at
 * its end, new errors by label, and the latencies recorded. Intervals of several workers for the
 * same {@code second} add up.
 *
 * @param second seconds since the run's common start (0 = the first second)
 */
public record Interval(int second, Map<Counter, Long> counters, long sessionsHeld, Map<String, Long> errors,
                       Map<Metric, Histogram> latencies) {
    public Interval {
        counters = Map.copyOf(counters);
        errors = Map.copyOf(errors);
        latencies = Map.copyOf(latencies);
    }

    public long count(Counter counter) {
        return counters.getOrDefault(counter, 0L);
    }
}
