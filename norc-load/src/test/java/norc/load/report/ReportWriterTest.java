package norc.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import norc.load.engine.Counter;
import norc.load.engine.Metric;
import norc.load.engine.Metrics;
import norc.load.run.WorkerSink;
import norc.load.run.WorkerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    @TempDir
    Path dir;

    private static RunResult result() {
        RunAggregator aggregate = new RunAggregator(1);
        Metrics m = new Metrics();
        for (int second = 0; second < 3; second++) {
            for (int i = 0; i < 10; i++) {
                m.sessionUp();
                m.increment(Counter.SESSIONS_ESTABLISHED);
                m.recordMicros(Metric.AUTHENTICATION, 1_000L * (i + 1));
            }
            if (second == 2) {
                m.recordMicros(Metric.END_TO_END, 2_500);
                m.increment(Counter.MESSAGES_SENT);
                m.error("6001 rate_limited");
            }
            aggregate.add(0, m.interval(second));
        }
        return new RunResult("storm", Instant.parse("2025-01-01T00:00:00Z"), 3.0, 1, List.of("wss://127.0.0.1:1/norc-c"),
                Map.of("devices", 30), List.of(new WorkerSink.SetupSummary(30, 30, 0.5, Map.of())), aggregate,
                List.of(new ServerSample(1, 150.0, 200L << 20)), 100L << 20, false, List.of());
    }

    @Test
    void writesEveryFileAndTheJsonHoldsTheTotals() throws Exception {
        List<Path> files = ReportWriter.writeAll(result(), dir);
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("report.json", "series.csv",
                "summary.txt", "report.html", "authentication.hgrm", "end_to_end.hgrm");

        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertThat(json.path("scenario").asText()).isEqualTo("storm");
        assertThat(json.path("totals").path("sessions_established").asLong()).isEqualTo(30);
        assertThat(json.path("totals").path("peak_sessions_held").asLong()).isEqualTo(30);
        assertThat(json.path("sessions_established_per_second").path("peak").asDouble()).isEqualTo(10);
        assertThat(json.path("latency_ms").path("authentication").path("count").asLong()).isEqualTo(30);
        assertThat(json.path("latency_ms").path("authentication").path("max").asDouble()).isBetween(9.99, 10.01);
        assertThat(json.path("errors").path("6001 rate_limited").asLong()).isEqualTo(1);
        assertThat(json.path("series")).hasSize(3);
        assertThat(json.path("series").get(2).path("sessions_held").asLong()).isEqualTo(30);
        assertThat(json.path("series").get(0).path("end_to_end_p50_ms").isNull()).isTrue();
        assertThat(json.path("server").path("rss_mb_peak").asDouble()).isEqualTo(200.0);
        assertThat(json.path("histograms").path("authentication").size()).isPositive();
        long bucketed = 0;
        for (JsonNode bucket : json.path("histograms").path("authentication")) {
            bucketed += bucket.path("count").asLong();
        }
        assertThat(bucketed).isEqualTo(30);
    }

    @Test
    void aChatReportHasTheQueueCheckAndTheReconnects() throws Exception {
        RunAggregator aggregate = new RunAggregator(1);
        Metrics m = new Metrics();
        m.add(Counter.QUEUE_SENT_ACCEPTED, 40);
        m.add(Counter.QUEUE_DELIVERED, 39);
        m.add(Counter.QUEUE_LOST, 1);
        m.add(Counter.QUEUE_REDELIVERED, 3);
        m.add(Counter.CONNECTIONS_LOST, 2);
        m.add(Counter.CONNECTIONS_DROPPED, 2);
        m.add(Counter.RECONNECTS, 2);
        m.add(Counter.MESSAGES_RESENT, 1);
        m.recordMicros(Metric.RECONNECT, 120_000);
        m.recordMicros(Metric.RECONNECT, 480_000);
        aggregate.add(0, m.interval(0));
        RunResult chat = new RunResult("chat", Instant.parse("2025-01-01T00:00:00Z"), 1.0, 1,
                List.of("wss://127.0.0.1:1/norc-c"), Map.of("reconnect", true), List.of(), aggregate, List.of(), 0, false, List.of());

        ReportWriter.writeAll(chat, dir);
        JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        JsonNode queue = json.path("queue");
        assertThat(queue.path("sent_accepted").asLong()).isEqualTo(40);
        assertThat(queue.path("delivered").asLong()).isEqualTo(39);
        assertThat(queue.path("lost").asLong()).isEqualTo(1);
        assertThat(queue.path("unexpected").asLong()).isZero();
        assertThat(queue.path("duplicates_shown").asLong()).isZero();
        assertThat(queue.path("redelivered").asLong()).isEqualTo(3);
        assertThat(queue.has("recovered")).isTrue();
        JsonNode reconnect = json.path("reconnect");
        assertThat(reconnect.path("enabled").asBoolean()).isTrue();
        assertThat(reconnect.path("reconnects").asLong()).isEqualTo(2);
        assertThat(reconnect.path("connections_lost").asLong()).isEqualTo(2);
        assertThat(reconnect.path("connections_dropped").asLong()).isEqualTo(2);
        assertThat(reconnect.path("messages_resent").asLong()).isEqualTo(1);
        assertThat(reconnect.path("reconnect_ms").path("count").asLong()).isEqualTo(2);
        assertThat(reconnect.path("reconnect_ms").path("p50").asDouble()).isBetween(119.0, 121.0);
        assertThat(reconnect.path("reconnect_ms").path("max").asDouble()).isBetween(479.0, 481.0);
        assertThat(Files.readString(dir.resolve("summary.txt"))).contains("queue: 40 sent_accepted, 39 delivered, 1 lost",
                "reconnect: on; 2 connections lost (2 cut by --drop), 2 reconnects, reconnect_ms p50");
        assertThat(ReportWriter.json(result()).has("queue")).isFalse(); // a storm has none
    }

    @Test
    void csvHasAHeaderAndOneRowPerSecond() throws Exception {
        String csv = ReportWriter.csv(result());
        String[] lines = csv.split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("second,sessions_held,sessions_started,sessions_established");
        assertThat(lines[0]).contains("authentication_p99_ms", "server_cpu_percent");
        assertThat(lines[1].split(",", -1)).hasSameSizeAs(lines[0].split(","));
    }

    @Test
    void theHtmlPageIsSelfContainedWithPlots() throws Exception {
        ReportWriter.writeAll(result(), dir);
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<svg", "Sessions held", "authentication (count per log2 bucket)", "Server CPU",
                "<polyline");
        assertThat(html).doesNotContain("<script", "src=", "href=", "<link");
    }

    @Test
    void theSummaryNamesSessionsLatenciesAndErrors() {
        String summary = ReportWriter.summary(result());
        assertThat(summary).contains("30 established", "authentication", "6001 rate_limited", "server: cpu");
    }

    @Test
    void aFederatedRunSaysSoAndListsItsServers() {
        RunResult one = result();
        assertThat(ReportWriter.json(one).path("federated").asBoolean()).isFalse();
        assertThat(ReportWriter.json(one).has("servers")).isFalse();
        assertThat(ReportWriter.summary(one)).doesNotContain("federated");

        List<WorkerSpec.HomeServer> homes = List.of(
                new WorkerSpec.HomeServer("wss://127.0.0.1:9443/norc-c", "http://127.0.0.1:9080", "/a.pem", "a.localhost"),
                new WorkerSpec.HomeServer("wss://127.0.0.1:9453/norc-c", "http://127.0.0.1:9090", "/b.pem", "b.localhost"));
        RunResult federated = new RunResult("chat", one.startedAt(), one.durationSeconds(), 1,
                homes.stream().map(WorkerSpec.HomeServer::endpoint).toList(),
                Map.of("federated", true, "server_pids", List.of(11L, 12L)), one.setups(), one.aggregate(),
                one.server(), one.serverRssAtStartBytes(), false, homes);
        JsonNode json = ReportWriter.json(federated);
        assertThat(json.path("federated").asBoolean()).isTrue();
        assertThat(json.path("servers")).hasSize(2);
        assertThat(json.path("servers").get(1).path("domain").asText()).isEqualTo("b.localhost");
        assertThat(json.path("servers").get(1).path("endpoint").asText()).isEqualTo("wss://127.0.0.1:9453/norc-c");
        assertThat(json.path("servers").get(1).path("admin").asText()).isEqualTo("http://127.0.0.1:9090");
        assertThat(json.path("servers").get(0).path("trust_cert").asText()).isEqualTo("/a.pem");
        assertThat(ReportWriter.summary(federated)).contains("federated: user i on server i mod 2, pairs across "
                + "servers: a.localhost (wss://127.0.0.1:9443/norc-c, admin http://127.0.0.1:9080) b.localhost",
                "servers (2 processes added up): cpu");
    }
}
