package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /ready} tells the truth about the journal: a node whose database (here H2 served over TCP,
 * so the test can take it away) stops answering becomes not ready within seconds, and ready again
 * when the database returns; {@code /health} (liveness) stays 200 all along.
 */
class ReadinessIT {
    @TempDir
    Path dir;

    @Test
    void readinessFollowsTheJournalDatabase() throws Exception {
        try (TcpDatabase database = TcpDatabase.start(dir.resolve("h2"));
             TestServer server = TestServer.start(dir.resolve("node"), database.config())) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(server.get("/ready").statusCode()).isEqualTo(200));
            assertThat(server.get("/ready").body()).contains("\"journal\":\"ok\"", "\"cluster_member\":\"Up\"");

            database.stop();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> ready = server.get("/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("\"journal\":\"unreachable\"", "\"ready\":false");
            });
            assertThat(server.get("/health").statusCode()).isEqualTo(200);

            database.restart();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(server.get("/ready").statusCode()).isEqualTo(200));
        }
    }
}
