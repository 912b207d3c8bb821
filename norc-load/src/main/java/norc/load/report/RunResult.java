package norc.load.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import norc.load.engine.Counter;
import norc.load.engine.Metric;
import norc.load.run.WorkerSink;
import norc.load.run.WorkerSpec;
import org.HdrHistogram.Histogram;

/**
 * Everything a finished run measured, merged over its workers, and the views the report writers
 * share: the per-second series as named columns, and latency summaries in milliseconds.
 *
 * @param settings what was asked for (scenario parameters), for the report's header
 * @param durationSeconds the measured phase, from the common start to the last worker's end
 * @param serverRssAtStartBytes the server's resident memory when the measured phase began (0: not sampled)
 * @param homeServers a federated run's servers (endpoint, admin API, certificate, domain); empty
 *     for one server or cluster
 */
public record RunResult(String scenario, Instant startedAt, double durationSeconds, int workers,
                        List<String> endpoints, Map<String, Object> settings,
                        List<WorkerSink.SetupSummary> setups, RunAggregator aggregate, List<ServerSample> server,
                        long serverRssAtStartBytes, boolean stoppedByDeadline, List<WorkerSpec.HomeServer> homeServers) {
    public RunResult {
        homeServers = List.copyOf(homeServers);
    }

    public boolean federated() {
        return !homeServers.isEmpty();
    }

    /** Percentiles of one latency, in ms. */
    public record LatencySummary(long count, double minMs, double meanMs, double p50Ms, double p90Ms, double p99Ms,
                                 double p999Ms, double maxMs) {
        public static LatencySummary of(Histogram h) {
            return new LatencySummary(h.getTotalCount(), ms(h.getMinValue()), round(h.getMean() / 1000.0),
                    ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                    ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        }
    }

    static double ms(long micros) {
        return round(micros / 1000.0);
    }

    static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }

    /** The metrics that recorded anything, in enum order. */
    public List<Metric> measuredMetrics() {
        Map<Metric, Histogram> totals = aggregate.totals();
        List<Metric> out = new ArrayList<>();
        for (Metric m : Metric.values()) {
            if (totals.containsKey(m) && totals.get(m).getTotalCount() > 0) {
                out.add(m);
            }
        }
        return out;
    }

    public Map<Metric, LatencySummary> latencies() {
        Map<Metric, LatencySummary> out = new LinkedHashMap<>();
        Map<Metric, Histogram> totals = aggregate.totals();
        for (Metric m : measuredMetrics()) {
            out.put(m, LatencySummary.of(totals.get(m)));
        }
        return out;
    }

    public long peakHeld() {
        return aggregate.seconds().stream().mapToLong(RunAggregator.Second::held).max().orElse(0);
    }

    /** Sessions established per second: the mean over seconds with any, and the peak. */
    public double[] establishedPerSecond() {
        long[] values = aggregate.seconds().stream().mapToLong(s -> s.count(Counter.SESSIONS_ESTABLISHED))
                .filter(v -> v > 0).toArray();
        if (values.length == 0) {
            return new double[] {0, 0};
        }
        double mean = java.util.Arrays.stream(values).average().orElse(0);
        return new double[] {round(mean), java.util.Arrays.stream(values).max().orElse(0)};
    }

    /**
     * The per-second series as rows of named columns: {@code second}, {@code sessions_held}, every
     * counter, {@code errors}, {@code <metric>_p50_ms} and {@code <metric>_p99_ms} for each measured
     * metric (empty in seconds without samples), and the server's CPU and memory when sampled.
     */
    public List<Map<String, Object>> series() {
        List<Metric> metrics = measuredMetrics();
        Map<Integer, ServerSample> samples = new LinkedHashMap<>();
        for (ServerSample s : server) {
            samples.put(s.second(), s);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunAggregator.Second s : aggregate.seconds()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("second", s.second());
            row.put("sessions_held", s.held());
            for (Counter c : Counter.values()) {
                row.put(c.label(), s.count(c));
            }
            row.put("errors", s.errorCount());
            for (Metric m : metrics) {
                Histogram h = s.latency(m);
                row.put(m.label() + "_p50_ms", h == null ? null : ms(h.getValueAtPercentile(50)));
                row.put(m.label() + "_p99_ms", h == null ? null : ms(h.getValueAtPercentile(99)));
            }
            if (!server.isEmpty()) {
                ServerSample sample = samples.get(s.second());
                row.put("server_cpu_percent", sample == null ? null : round(sample.cpuPercent()));
                row.put("server_rss_mb", sample == null ? null : round(sample.rssBytes() / 1048576.0));
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * Log2 buckets of a latency for the histogram plot: upper bound in ms and count. The first
     * bucket holds everything up to 16 µs; each recorded value counts once, in the bucket of its
     * value as HdrHistogram stores it.
     */
    public List<double[]> buckets(Metric metric) {
        Histogram h = aggregate.totals().get(metric);
        List<double[]> out = new ArrayList<>();
        if (h == null || h.getTotalCount() == 0) {
            return out;
        }
        java.util.TreeMap<Long, Long> counts = new java.util.TreeMap<>();
        for (org.HdrHistogram.HistogramIterationValue v : h.recordedValues()) {
            long value = v.getValueIteratedTo();
            long upper = 16;
            while (upper < value) {
                upper *= 2;
            }
            counts.merge(upper, v.getCountAtValueIteratedTo(), Long::sum);
        }
        for (long upper = 16; upper <= counts.lastKey(); upper *= 2) {
            out.add(new double[] {upper / 1000.0, counts.getOrDefault(upper, 0L)});
        }
        return out;
    }
}
