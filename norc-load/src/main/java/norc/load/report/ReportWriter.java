package norc.load.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import norc.load.engine.Counter;
import norc.load.engine.Metric;
import norc.load.run.WorkerSink;
import org.HdrHistogram.Histogram;

/**
 * Writes a run's report files into one directory: {@code report.json} (everything, for tools and
 * tests), {@code series.csv} (one row per second), {@code summary.txt} (what the terminal shows at
 * the end), {@code report.html} (self-contained, inline SVG plots) and one
 * {@code <metric>.hgrm} per latency (HdrHistogram's percentile distribution).
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    /** Writes every file; returns the paths written. */
    public static List<Path> writeAll(RunResult result, Path directory) throws IOException {
        Files.createDirectories(directory);
        List<Path> written = new ArrayList<>();
        written.add(write(directory.resolve("report.json"), JSON.writeValueAsString(json(result))));
        written.add(write(directory.resolve("series.csv"), csv(result)));
        written.add(write(directory.resolve("summary.txt"), summary(result)));
        written.add(write(directory.resolve("report.html"), HtmlReport.render(result)));
        Map<Metric, Histogram> totals = result.aggregate().totals();
        for (Metric m : result.measuredMetrics()) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                totals.get(m).outputPercentileDistribution(out, 5, 1000.0); // in ms
            }
            written.add(write(directory.resolve(m.label() + ".hgrm"), bytes.toString(StandardCharsets.UTF_8)));
        }
        return written;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** The JSON report. */
    public static ObjectNode json(RunResult r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "norc-load");
        root.put("format", 1);
        root.put("scenario", r.scenario());
        root.put("started_at", r.startedAt().toString());
        root.put("duration_seconds", RunResult.round(r.durationSeconds()));
        root.put("stopped_by_deadline", r.stoppedByDeadline());
        root.put("workers", r.workers());
        ArrayNode endpoints = root.putArray("endpoints");
        r.endpoints().forEach(endpoints::add);
        root.set("settings", JSON.valueToTree(r.settings()));

        ObjectNode setup = root.putObject("setup");
        long users = 0;
        long provisioned = 0;
        double seconds = 0;
        Map<String, Long> setupErrors = new TreeMap<>();
        for (WorkerSink.SetupSummary s : r.setups()) {
            users += s.users();
            provisioned += s.provisioned();
            seconds = Math.max(seconds, s.seconds());
            s.errors().forEach((k, v) -> setupErrors.merge(k, v, Long::sum));
        }
        setup.put("users", users);
        setup.put("provisioned", provisioned);
        setup.put("seconds", RunResult.round(seconds));
        setup.set("errors", JSON.valueToTree(setupErrors));

        ObjectNode totals = root.putObject("totals");
        Map<Counter, Long> counters = r.aggregate().counterTotals();
        for (Counter c : Counter.values()) {
            totals.put(c.label(), counters.getOrDefault(c, 0L));
        }
        totals.put("peak_sessions_held", r.peakHeld());
        double[] rate = r.establishedPerSecond();
        ObjectNode established = root.putObject("sessions_established_per_second");
        established.put("mean", rate[0]);
        established.put("peak", rate[1]);
        root.set("errors", JSON.valueToTree(new TreeMap<>(r.aggregate().errorTotals())));

        ObjectNode latency = root.putObject("latency_ms");
        r.latencies().forEach((m, s) -> latency.set(m.label(), JSON.valueToTree(Map.of(
                "count", s.count(), "min", s.minMs(), "mean", s.meanMs(), "p50", s.p50Ms(), "p90", s.p90Ms(),
                "p99", s.p99Ms(), "p999", s.p999Ms(), "max", s.maxMs()))));

        if (!r.server().isEmpty()) {
            ObjectNode server = root.putObject("server");
            server.put("samples", r.server().size());
            server.put("cpu_percent_mean", RunResult.round(r.server().stream().mapToDouble(ServerSample::cpuPercent)
                    .average().orElse(0)));
            server.put("cpu_percent_peak", RunResult.round(r.server().stream().mapToDouble(ServerSample::cpuPercent)
                    .max().orElse(0)));
            server.put("rss_mb_peak", RunResult.round(r.server().stream().mapToLong(ServerSample::rssBytes).max()
                    .orElse(0) / 1048576.0));
            ServerCost.of(r).ifPresent(cost -> root.set("server_cost", JSON.valueToTree(cost.asMap())));
        }
        root.set("series", JSON.valueToTree(r.series()));
        ObjectNode histograms = root.putObject("histograms");
        for (Metric m : r.measuredMetrics()) {
            ArrayNode buckets = histograms.putArray(m.label());
            for (double[] b : r.buckets(m)) {
                buckets.addObject().put("upper_ms", b[0]).put("count", (long) b[1]);
            }
        }
        return root;
    }

    /** The series as CSV: a header row, then one row per second; empty cells where nothing was measured. */
    public static String csv(RunResult r) {
        List<Map<String, Object>> rows = r.series();
        StringBuilder out = new StringBuilder();
        if (rows.isEmpty()) {
            return "second,sessions_held\n";
        }
        out.append(String.join(",", rows.get(0).keySet())).append('\n');
        for (Map<String, Object> row : rows) {
            java.util.StringJoiner line = new java.util.StringJoiner(",");
            row.values().forEach(value -> line.add(value == null ? "" : value.toString()));
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static String costLine(ServerCost cost) {
        java.util.StringJoiner parts = new java.util.StringJoiner("; ", "  server cost: ", "\n");
        if (!Double.isNaN(cost.cpuMsPerSetup())) {
            parts.add(String.format(Locale.ROOT, "%.2f ms CPU per session set-up", cost.cpuMsPerSetup()));
        }
        if (!Double.isNaN(cost.cpuMsPerChurnReconnect())) {
            parts.add(String.format(Locale.ROOT, "%.2f ms CPU per churn reconnect", cost.cpuMsPerChurnReconnect()));
        }
        if (!Double.isNaN(cost.holdCpuPercent())) {
            parts.add(String.format(Locale.ROOT, "%.0f%% CPU while holding", cost.holdCpuPercent()));
        }
        if (!Double.isNaN(cost.cpuUsPerMessage())) {
            parts.add(String.format(Locale.ROOT, "%.0f µs CPU per message", cost.cpuUsPerMessage()));
        }
        if (!Double.isNaN(cost.rssKbPerHeldSession())) {
            parts.add(String.format(Locale.ROOT, "%.1f KB RSS per held session (%.0f → %.0f MiB for %d)",
                    cost.rssKbPerHeldSession(), cost.rssMbAtStart(), cost.rssMbHeld(), cost.sessionsAtRampEnd()));
        }
        return parts.toString();
    }

    /** The text summary printed at the end of a run. */
    public static String summary(RunResult r) {
        StringBuilder out = new StringBuilder();
        Map<Counter, Long> c = r.aggregate().counterTotals();
        out.append(String.format(Locale.ROOT, "norc-load %s: %.1f s measured, %d worker(s), %s%n", r.scenario(),
                r.durationSeconds(), r.workers(), String.join(" ", r.endpoints())));
        if (r.stoppedByDeadline()) {
            out.append("  stopped by --max-duration before the scenario finished\n");
        }
        out.append(String.format(Locale.ROOT,
                "  sessions: %d started, %d established, %d failed, %d lost; peak held %d; %.1f/s mean, %.0f/s peak%n",
                c.getOrDefault(Counter.SESSIONS_STARTED, 0L), c.getOrDefault(Counter.SESSIONS_ESTABLISHED, 0L),
                c.getOrDefault(Counter.SESSIONS_FAILED, 0L), c.getOrDefault(Counter.SESSIONS_LOST, 0L), r.peakHeld(),
                r.establishedPerSecond()[0], r.establishedPerSecond()[1]));
        if (c.getOrDefault(Counter.CHURN_DISCONNECTS, 0L) > 0) {
            out.append(String.format(Locale.ROOT, "  churn: %d disconnects%n", c.get(Counter.CHURN_DISCONNECTS)));
        }
        if (c.getOrDefault(Counter.MESSAGES_SENT, 0L) > 0) {
            out.append(String.format(Locale.ROOT,
                    "  messages: %d sent, %d accepted, %d failed, %d received, %d rejected, %d skipped%n",
                    c.getOrDefault(Counter.MESSAGES_SENT, 0L), c.getOrDefault(Counter.MESSAGES_ACCEPTED, 0L),
                    c.getOrDefault(Counter.MESSAGES_FAILED, 0L), c.getOrDefault(Counter.MESSAGES_RECEIVED, 0L),
                    c.getOrDefault(Counter.MESSAGES_REJECTED, 0L), c.getOrDefault(Counter.SENDS_SKIPPED, 0L)));
        }
        out.append(String.format(Locale.ROOT, "  %-18s %8s %9s %9s %9s %9s %9s%n", "latency (ms)", "count", "p50",
                "p90", "p99", "p99.9", "max"));
        r.latencies().forEach((m, s) -> out.append(String.format(Locale.ROOT,
                "  %-18s %8d %9.3f %9.3f %9.3f %9.3f %9.3f%n", m.label(), s.count(), s.p50Ms(), s.p90Ms(), s.p99Ms(),
                s.p999Ms(), s.maxMs())));
        Map<String, Long> errors = new TreeMap<>(r.aggregate().errorTotals());
        if (errors.isEmpty()) {
            out.append("  errors: none\n");
        } else {
            out.append("  errors:\n");
            errors.forEach((label, n) -> out.append(String.format(Locale.ROOT, "    %8d  %s%n", n, label)));
        }
        if (!r.server().isEmpty()) {
            out.append(String.format(Locale.ROOT, "  server: cpu mean %.0f%%, peak %.0f%%; rss peak %.0f MiB%n",
                    r.server().stream().mapToDouble(ServerSample::cpuPercent).average().orElse(0),
                    r.server().stream().mapToDouble(ServerSample::cpuPercent).max().orElse(0),
                    r.server().stream().mapToLong(ServerSample::rssBytes).max().orElse(0) / 1048576.0));
            ServerCost.of(r).ifPresent(cost -> out.append(costLine(cost)));
        }
        return out.toString();
    }
}
