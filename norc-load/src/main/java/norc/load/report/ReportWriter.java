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
import norc.load.run.WorkerSpec;
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
        root.put("federated", r.federated());
        if (r.federated()) {
            ArrayNode servers = root.putArray("servers");
            for (WorkerSpec.HomeServer home : r.homeServers()) {
                ObjectNode server = servers.addObject().put("domain", home.domain()).put("endpoint", home.endpoint());
                server.put("admin", home.adminUrl());
                server.put("trust_cert", home.trustCertificate());
            }
        }
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
        root.set("reconnect", JSON.valueToTree(reconnect(r)));
        if (r.scenario().equals("chat")) {
            root.set("queue", JSON.valueToTree(queue(r)));
        }

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

    /**
     * Reconnecting: {@code connections_lost}, {@code connections_dropped} (by {@code --drop}),
     * {@code reconnects}, {@code reconnect_ms} {count, p50, p99, max} (loss to authenticated
     * again) and {@code messages_resent}.
     */
    static Map<String, Object> reconnect(RunResult r) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("enabled", r.settings().getOrDefault("reconnect", false));
        out.put("connections_lost", r.aggregate().total(Counter.CONNECTIONS_LOST));
        out.put("connections_dropped", r.aggregate().total(Counter.CONNECTIONS_DROPPED));
        out.put("reconnects", r.aggregate().total(Counter.RECONNECTS));
        RunResult.LatencySummary took = r.latencies().get(Metric.RECONNECT);
        Map<String, Object> ms = new java.util.LinkedHashMap<>();
        ms.put("count", took == null ? 0 : took.count());
        if (took != null) {
            ms.put("p50", took.p50Ms());
            ms.put("p99", took.p99Ms());
            ms.put("max", took.maxMs());
        }
        out.put("reconnect_ms", ms);
        out.put("messages_resent", r.aggregate().total(Counter.MESSAGES_RESENT));
        return out;
    }

    /**
     * The total-queue check of a chat, taken at the end of the drain wait: {@code sent_accepted},
     * {@code delivered}, {@code lost}, {@code unexpected}, {@code duplicates_shown},
     * {@code redelivered} (dropped by the SDK's deduplication) and {@code recovered}.
     */
    static Map<String, Object> queue(RunResult r) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("sent_accepted", r.aggregate().total(Counter.QUEUE_SENT_ACCEPTED));
        out.put("delivered", r.aggregate().total(Counter.QUEUE_DELIVERED));
        out.put("lost", r.aggregate().total(Counter.QUEUE_LOST));
        out.put("unexpected", r.aggregate().total(Counter.QUEUE_UNEXPECTED));
        out.put("duplicates_shown", r.aggregate().total(Counter.QUEUE_DUPLICATES_SHOWN));
        out.put("redelivered", r.aggregate().total(Counter.QUEUE_REDELIVERED));
        out.put("recovered", r.aggregate().total(Counter.QUEUE_RECOVERED));
        return out;
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

    /** How many server processes the samples add up ({@code --server-pid} repeated), at least 1. */
    private static int sampledProcesses(RunResult r) {
        return r.settings().get("server_pids") instanceof List<?> pids ? Math.max(1, pids.size()) : 1;
    }

    /** The text summary printed at the end of a run. */
    public static String summary(RunResult r) {
        StringBuilder out = new StringBuilder();
        Map<Counter, Long> c = r.aggregate().counterTotals();
        out.append(String.format(Locale.ROOT, "norc-load %s: %.1f s measured, %d worker(s), %s%n", r.scenario(),
                r.durationSeconds(), r.workers(), String.join(" ", r.endpoints())));
        if (r.federated()) {
            out.append("  federated: user i on server i mod ").append(r.homeServers().size())
                    .append(", pairs across servers:");
            for (WorkerSpec.HomeServer home : r.homeServers()) {
                out.append(' ').append(home.domain()).append(" (").append(home.endpoint());
                if (home.adminUrl() != null) {
                    out.append(", admin ").append(home.adminUrl());
                }
                out.append(')');
            }
            out.append('\n');
        }
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
        long lostConnections = c.getOrDefault(Counter.CONNECTIONS_LOST, 0L);
        if (Boolean.TRUE.equals(r.settings().get("reconnect")) || lostConnections > 0
                || c.getOrDefault(Counter.CONNECTIONS_DROPPED, 0L) > 0) {
            Map<String, Object> re = reconnect(r);
            @SuppressWarnings("unchecked")
            Map<String, Object> ms = (Map<String, Object>) re.get("reconnect_ms");
            out.append(String.format(Locale.ROOT, "  reconnect: %s; %d connections lost (%d cut by --drop), %d reconnects",
                    Boolean.TRUE.equals(re.get("enabled")) ? "on" : "off", lostConnections,
                    c.getOrDefault(Counter.CONNECTIONS_DROPPED, 0L), c.getOrDefault(Counter.RECONNECTS, 0L)));
            if (ms.containsKey("p50")) {
                out.append(String.format(Locale.ROOT, ", reconnect_ms p50 %.1f p99 %.1f max %.1f", ms.get("p50"),
                        ms.get("p99"), ms.get("max")));
            }
            out.append(String.format(Locale.ROOT, ", %d messages resent%n", c.getOrDefault(Counter.MESSAGES_RESENT, 0L)));
        }
        if (r.scenario().equals("chat")) {
            Map<String, Object> q = queue(r);
            out.append(String.format(Locale.ROOT, "  queue: %d sent_accepted, %d delivered, %d lost, %d unexpected, "
                    + "%d duplicates_shown, %d redelivered (dropped by dedup), %d recovered%n", q.get("sent_accepted"),
                    q.get("delivered"), q.get("lost"), q.get("unexpected"), q.get("duplicates_shown"),
                    q.get("redelivered"), q.get("recovered")));
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
            out.append(String.format(Locale.ROOT, "  %s: cpu mean %.0f%%, peak %.0f%%; rss peak %.0f MiB%n",
                    sampledProcesses(r) > 1 ? "servers (" + sampledProcesses(r) + " processes added up)" : "server",
                    r.server().stream().mapToDouble(ServerSample::cpuPercent).average().orElse(0),
                    r.server().stream().mapToDouble(ServerSample::cpuPercent).max().orElse(0),
                    r.server().stream().mapToLong(ServerSample::rssBytes).max().orElse(0) / 1048576.0));
            ServerCost.of(r).ifPresent(cost -> out.append(costLine(cost)));
        }
        return out.toString();
    }
}
