package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.wire.WireEncoding;
import norc.wire.message.TimeSync;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} on the admin port, scraped while real clients work: the families exist in
 * the Prometheus text format, and their values move with what the clients do (a session set up, a
 * message accepted, delivered and acknowledged, a message kept for an offline device, a tampered
 * frame discarded, a time_sync past its budget answered 6001), and the sampled ones show the node's shards, entities and
 * membership. No label names a user.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.admin.metrics-sample-interval = 200ms");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void theFamiliesAreThereAndMoveWithTraffic() throws Exception {
        HttpResponse<String> first = server.get("/metrics");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(first.body()).contains("# TYPE norc_connections gauge", "# TYPE norc_session_setups_total counter",
                "norc_session_setup_seconds_bucket", "norc_messages_accepted_total", "norc_frames_discarded_total",
                "jvm_memory_used_bytes", "process_cpu_seconds_total", "# TYPE norc_sessions gauge",
                "norc_message_accept_seconds_bucket", "norc_messages_delivered_total",
                "norc_journal_commit_seconds_bucket", "# TYPE norc_inbox_messages gauge", "norc_payloads_unreadable_total",
                "norc_journal_rows_trimmed_total", "norc_journal_ack_batch_size_bucket", "norc_journal_batch_rows_bucket",
                "norc_journal_batch_seconds_bucket");
        double setups = value(first.body(), "norc_session_setups_total");
        double accepted = value(first.body(), "norc_messages_accepted_total");
        double acknowledged = value(first.body(), "norc_messages_acknowledged_total");
        double aead = value(first.body(), "norc_frames_discarded_total{reason=\"aead_failure\"}");
        double delivered = value(first.body(), "norc_messages_delivered_total");
        double acceptTimes = value(first.body(), "norc_message_accept_seconds_count");
        double commits = value(first.body(), "norc_journal_commit_seconds_count");
        double batches = value(first.body(), "norc_journal_batch_rows_count");
        double rows = value(first.body(), "norc_journal_batch_rows_sum");
        double rateLimited = value(first.body(), "norc_errors_sent_total{code=\"6001\",request=\"time_sync\"}");
        double waiting = value(first.body(), "norc_inbox_messages");

        RecordingListener bobHears = new RecordingListener();
        NorcClient alice = server.registerNew("alice-m", WireEncoding.BINARY, new RecordingListener(), null);
        NorcClient bob = server.registerNew("bob-m", WireEncoding.JSON, bobHears, null);
        alice.send(UUID.randomUUID(), List.of("bob-m@" + server.serverId()), "hi".getBytes(StandardCharsets.UTF_8))
                .get(20, TimeUnit.SECONDS);
        assertThat(bobHears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
        NorcClient carol = server.registerNew("carol-m", WireEncoding.BINARY, new RecordingListener(), null);
        carol.close(); // offline: what alice sends her waits in her inbox
        alice.send(UUID.randomUUID(), List.of("carol-m@" + server.serverId()), "later".getBytes(StandardCharsets.UTF_8))
                .get(20, TimeUnit.SECONDS);

        RawClient raw = RawClient.registered(server, "tamper-m@" + server.serverId());
        byte[] tampered = raw.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        tampered[tampered.length - 1] ^= 1;
        raw.sendFrame(tampered);
        RawClient flood = RawClient.registered(server, "flood-m@" + server.serverId());
        for (int i = 0; i < 61; i++) { // one past the session's time_sync burst: 6001
            flood.sendFrame(flood.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty())));
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String now = server.get("/metrics").body();
            assertThat(value(now, "norc_session_setups_total")).isEqualTo(setups + 5);
            assertThat(value(now, "norc_messages_accepted_total")).isEqualTo(accepted + 2);
            assertThat(value(now, "norc_message_accept_seconds_count")).isEqualTo(acceptTimes + 2);
            assertThat(value(now, "norc_messages_delivered_total")).isEqualTo(delivered + 1);
            assertThat(value(now, "norc_journal_commit_seconds_count")).isGreaterThanOrEqualTo(commits + 2);
            // the two stored copies, at least, went through the journal's batch inserts
            assertThat(value(now, "norc_journal_batch_rows_count")).isGreaterThan(batches);
            assertThat(value(now, "norc_journal_batch_rows_sum")).isGreaterThanOrEqualTo(rows + 2);
            assertThat(value(now, "norc_journal_batch_seconds_count")).isEqualTo(value(now, "norc_journal_batch_rows_count"));
            assertThat(value(now, "norc_inbox_messages")).isEqualTo(waiting + 1);
            assertThat(value(now, "norc_errors_sent_total{code=\"6001\",request=\"time_sync\"}")).isEqualTo(rateLimited + 1);
            assertThat(value(now, "norc_sessions{subprotocol=\"norc-c-json-v1\"}")).isGreaterThanOrEqualTo(1);
            assertThat(value(now, "norc_sessions{subprotocol=\"norc-c-v1\"}")).isGreaterThanOrEqualTo(2);
            assertThat(value(now, "norc_cluster_members{status=\"up\"}")).isEqualTo(1);
            assertThat(value(now, "norc_cluster_members{status=\"unreachable\"}")).isEqualTo(0);
            assertThat(value(now, "norc_sharded_entities{type=\"DeviceSession\"}")).isGreaterThanOrEqualTo(4);
            assertThat(value(now, "norc_sharded_entities{type=\"User\"}")).isGreaterThanOrEqualTo(4);
            assertThat(value(now, "norc_shards{type=\"User\"}")).isGreaterThanOrEqualTo(1);
            assertThat(value(now, "norc_messages_acknowledged_total")).isEqualTo(acknowledged + 1);
            assertThat(value(now, "norc_frames_discarded_total{reason=\"aead_failure\"}")).isEqualTo(aead + 1);
            assertThat(value(now, "norc_connections{state=\"authenticated\"}")).isGreaterThanOrEqualTo(3);
            assertThat(now).doesNotContain("alice-m", "bob-m", "carol-m", "tamper-m", "flood-m");
        });
        alice.close();
        bob.close();
        raw.close();
        flood.close();
    }

    /** The value of the sample whose name and labels are {@code series} (0 if it has none yet). */
    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return 0;
    }
}
