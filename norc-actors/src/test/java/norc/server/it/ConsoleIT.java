package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's server side: the page is served from the jar with a strict content security
 * policy; {@code /admin/tree} shows the live supervision tree (the guardian's children by name,
 * the connection actors counted, the shard regions with their entities) behind the admin token;
 * and an actor crashed through {@code /admin/console/crash} is restarted by its supervisor, the
 * restart counted on its node and listed, while the server keeps delivering.
 */
class ConsoleIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void theTreeIsLiveAndARestartShows() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String base = "http://127.0.0.1:" + server.server.adminPort();
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<title>NORC console</title>");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'self'; frame-ancestors 'none'");
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console/console.js")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/admin/tree")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token").isEqualTo(401);

            RecordingListener bobHears = new RecordingListener();
            NorcClient alice = server.registerNew("console-alice", WireEncoding.BINARY, new RecordingListener(), null);
            NorcClient bob = server.registerNew("console-bob", WireEncoding.JSON, bobHears, null);
            JsonNode tree = JSON.readTree(server.get("/admin/tree").body());
            JsonNode user = tree.path("user");
            assertThat(names(user)).contains("connections", "message-router", "dead-letters", "cluster-gauges", "journal-trimmer");
            JsonNode connections = child(user, "connections");
            assertThat(connections.path("children").findValuesAsText("name")).as("connection actors, listed while few")
                    .hasSizeGreaterThanOrEqualTo(2).allMatch(name -> name.startsWith("$"));
            assertThat(tree.path("sharding").findValuesAsText("type")).contains("User", "DeviceSession");
            assertThat(tree.toString()).doesNotContain("console-alice", "console-bob");

            JsonNode pushed = firstEvent(base, server.adminToken());
            assertThat(pushed.path("tree").path("user").path("name").asText()).isEqualTo("NorcGuardian (/user)");
            assertThat(pushed.path("connections").path("authenticated").asInt()).isGreaterThanOrEqualTo(2);
            assertThat(pushed.path("members").path("members")).hasSize(1);
            assertThat(pushed.path("overview").path("session_setups").asDouble()).isGreaterThanOrEqualTo(2);
            assertThat(pushed.path("overview").has("accept_seconds_sum")).isTrue();

            assertThat(server.post("/admin/console/crash", "{\"path\":\"/system/sharding\"}").statusCode()).isEqualTo(400);
            assertThat(server.post("/admin/console/crash", "{\"path\":\"/user/message-router\"}").statusCode()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode now = JSON.readTree(server.get("/admin/tree").body());
                assertThat(child(now.path("user"), "message-router").path("restarts").asLong()).isEqualTo(1);
                assertThat(now.path("restarts").findValuesAsText("path")).contains("/user/message-router");
            });
            alice.send(UUID.randomUUID(), List.of("console-bob@" + server.serverId()), "still here".getBytes(StandardCharsets.UTF_8))
                    .get(20, TimeUnit.SECONDS);
            assertThat(bobHears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
            alice.close();
            bob.close();
        }
    }

    /** The first server-sent event of {@code /admin/console/events}, its data parsed; the stream is then dropped. */
    private static JsonNode firstEvent(String base, String token) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> events = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/admin/console/events"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        try (java.util.stream.Stream<String> lines = events.body()) {
            String data = lines.filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
            return JSON.readTree(data.substring("data:".length()).trim());
        }
    }

    private static List<String> names(JsonNode node) {
        return node.path("children").findValuesAsText("name");
    }

    private static JsonNode child(JsonNode node, String name) {
        for (JsonNode child : node.path("children")) {
            if (child.path("name").asText().equals(name)) {
                return child;
            }
        }
        throw new AssertionError("no child " + name + " under " + node.path("path").asText());
    }
}
