package norc.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import norc.server.NorcConfig;
import norc.server.NorcServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool against the real NORC server ({@link NorcServer}, started in this JVM the way
 * {@code Main} starts it: a temporary data directory, ephemeral ports, its own generated TLS
 * certificate, the H2 journal, default limits). Small numbers; assertions on report.json.
 */
class LoadAgainstServerIT {
    @TempDir
    static Path dir;
    static NorcServer server;

    @BeforeAll
    static void startServer() {
        server = NorcServer.start(NorcConfig.load(ConfigFactory.parseMap(Map.of(
                "norc.data-dir", dir.resolve("server").toString(),
                "norc.client.port", 0,
                "norc.client.interface", "127.0.0.1",
                "norc.admin.port", 0,
                "pekko.remote.artery.canonical.port", 0))));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static JsonNode run(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", "wss://127.0.0.1:" + server.clientPort() + "/norc-c",
                "--admin", "http://127.0.0.1:" + server.adminPort(),
                "--admin-token-file", server.settings().admin().tokenFile().toString(),
                "--trust-cert", server.certificatePem().toString(), "--out", out.toString(), "--progress", "OFF"));
        assertThat(NorcLoad.execute(all.toArray(String[]::new))).as("exit status").isZero();
        return new ObjectMapper().readTree(out.resolve("report.json").toFile());
    }

    @Test
    void aStormOfAFewHundredSessionsIsHeldWithoutErrors() throws Exception {
        JsonNode report = run("storm", "storm", "-n", "300", "--rate", "150", "--hold", "2",
                "--source-addresses", "127.0.0.2-127.0.0.3", "--server-pid", Long.toString(ProcessHandle.current().pid()));

        assertThat(report.path("setup").path("provisioned").asInt()).isEqualTo(300);
        assertThat(report.path("setup").path("errors").size()).isZero();
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        JsonNode totals = report.path("totals");
        assertThat(totals.path("sessions_established").asInt()).isEqualTo(300);
        assertThat(totals.path("sessions_lost").asInt()).isZero();
        assertThat(totals.path("peak_sessions_held").asInt()).isEqualTo(300);
        assertThat(report.path("latency_ms").path("authentication").path("count").asInt()).isEqualTo(300);
        assertThat(report.path("latency_ms").path("norc_handshake").path("count").asInt()).isEqualTo(300);
        assertThat(report.path("settings").path("domain").asText()).isEqualTo(server.settings().serverId());
        assertThat(report.path("server").path("samples").asInt()).isPositive();
        // the server runs in this JVM: its cost figures are this process's, but they must be there
        JsonNode cost = report.path("server_cost");
        assertThat(cost.path("sessions_at_ramp_end").asInt()).isEqualTo(300);
        assertThat(cost.path("cpu_ms_per_session_setup").asDouble()).isPositive();
        assertThat(cost.has("rss_kb_per_held_session")).isTrue();
    }

    @Test
    void aShortChatDeliversEveryAcceptedMessageEndToEnd() throws Exception {
        // the server's own Prometheus endpoint, not /proc, is sampled here
        JsonNode report = run("chat", "chat", "-p", "10", "--rate", "100", "--messages-per-minute", "300",
                "--duration", "3", "--json", "--server-metrics", "http://127.0.0.1:" + server.adminPort() + "/metrics");
        JsonNode totals = report.path("totals");
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(totals.path("sessions_established").asInt()).isEqualTo(20);
        long accepted = totals.path("messages_accepted").asLong();
        assertThat(accepted).isPositive();
        assertThat(totals.path("messages_sent").asLong()).isEqualTo(accepted);
        assertThat(totals.path("messages_received").asLong()).isEqualTo(accepted);
        assertThat(report.path("latency_ms").path("end_to_end").path("count").asLong()).isEqualTo(accepted);
        assertThat(report.path("latency_ms").path("ack").path("count").asLong()).isEqualTo(accepted);
        assertThat(report.path("server").path("samples").asInt()).isPositive();
        assertThat(report.path("server_cost").path("cpu_us_per_message").asDouble()).isPositive();
    }

    @Test
    void aChatWhoseConnectionsAreCutReconnectsAndLosesNothing() throws Exception {
        // --drop cuts random sessions' connections with a TCP reset during the sending, in-flight
        // sends and deliveries included; sessions reconnect (the default in chat) and go on
        JsonNode report = run("chat-drops", "chat", "-p", "10", "--rate", "100", "--messages-per-minute", "600",
                "--duration", "8", "--drop", "4", "--reconnect-base", "50ms", "--reconnect-cap", "1s",
                "--drain", "30s");
        JsonNode totals = report.path("totals");
        JsonNode queue = report.path("queue");
        JsonNode reconnect = report.path("reconnect");
        assertThat(reconnect.path("connections_dropped").asLong()).isPositive();
        assertThat(reconnect.path("reconnects").asLong()).as("reconnect %s", reconnect).isPositive();
        assertThat(reconnect.path("reconnect_ms").path("count").asLong()).isEqualTo(reconnect.path("reconnects").asLong());
        assertThat(queue.path("sent_accepted").asLong()).isPositive();
        assertThat(queue.path("lost").asLong()).as("queue %s", queue).isZero();
        assertThat(queue.path("unexpected").asLong()).as("queue %s", queue).isZero();
        assertThat(queue.path("duplicates_shown").asLong()).as("queue %s", queue).isZero();
        assertThat(queue.path("delivered").asLong()).isEqualTo(queue.path("sent_accepted").asLong());
        // every send made ended accepted, some after being sent again on a new connection
        assertThat(totals.path("messages_accepted").asLong()).isEqualTo(totals.path("messages_sent").asLong());
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
    }

    @Test
    void sendingPastTheBurstIsCountedAsRateLimited() throws Exception {
        // 140 messages back to back per device against the spec's bucket of 120 (refill 1/s)
        // without reconnecting: a reconnecting session waits retry_after and sends the excess again
        JsonNode report = run("burst", "chat", "-p", "1", "--burst", "140", "--duration", "0",
                "--registration", "storm", "--no-reconnect");
        assertThat(report.path("latency_ms").path("registration").path("count").asInt()).isEqualTo(2);
        assertThat(report.path("errors").path("message_failed 6001 rate_limited").asLong()).isPositive();
        assertThat(report.path("totals").path("messages_received").asLong())
                .isEqualTo(report.path("totals").path("messages_accepted").asLong());
    }
}
