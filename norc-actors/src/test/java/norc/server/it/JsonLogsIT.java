package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code NORC_LOG_FORMAT=json}: a server started the way an operator starts it ({@code norc.server.Main}
 * in its own JVM, with the production {@code logback.xml}) writes nothing but JSON objects on
 * stdout, one per line, the start-up banner included, each with a timestamp, level, logger and
 * message; and none of them names the user the operator created or asked about.
 */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void everyLineOnStdoutIsAJsonObjectWithoutIds() throws Exception {
        int admin = freePort();
        Path out = dir.resolve("stdout.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", runtimeClasspath(), "norc.server.Main")
                .redirectOutput(out.toFile()).redirectError(dir.resolve("stderr.log").toFile());
        builder.environment().putAll(Map.of("NORC_LOG_FORMAT", "json", "NORC_DATA_DIR", dir.resolve("data").toString(),
                "NORC_CLIENT_PORT", Integer.toString(freePort()), "NORC_ADMIN_PORT", Integer.toString(admin),
                "NORC_CLUSTER_PORT", Integer.toString(freePort()), "NORC_MANAGEMENT_PORT", Integer.toString(freePort())));
        Process server = builder.start();
        String user = "json-log-alice-" + Long.toHexString(TestServer.RANDOM.nextLong()) + "@localhost";
        try {
            awaitReady(admin, server);
            String token = Files.readString(dir.resolve("data").resolve("admin").resolve("token")).strip();
            assertThat(post(admin, token, "/admin/users", "{\"user_id\":\"" + user + "\"}").statusCode()).isEqualTo(201);
            assertThat(post(admin, token, "/admin/users/" + user + "/enrollment-tokens", "").statusCode()).isEqualTo(201);
            assertThat(get(admin, token, "/admin/users/" + user + "/devices").statusCode()).isEqualTo(200);
        } finally {
            server.destroy(); // SIGTERM: the coordinated shutdown logs too
            server.waitFor(30, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stdout").hasSizeGreaterThan(5);
        for (String line : lines) {
            assertThat(line).as("a JSON object (stdout: %s)", lines.subList(0, Math.min(3, lines.size()))).startsWith("{");
            JsonNode event = JSON.readTree(line);
            assertThat(event.isObject()).as(line).isTrue();
            assertThat(event.path("timestamp").canConvertToLong()).as(line).isTrue();
            assertThat(event.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(event.path("loggerName").isTextual()).as(line).isTrue();
            assertThat(event.path("formattedMessage").isTextual()).as(line).isTrue();
            assertThat(line).doesNotContain(user, user.replace("@", "%40"));
        }
        assertThat(lines).anyMatch(l -> l.contains("NORC server localhost is up"));
    }

    /** The test JVM's class path without the test classes, so the child has the production logback.xml only. */
    private static String runtimeClasspath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes" + File.separator))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitReady(int admin, Process server) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(server.isAlive()).as("the server process runs").isTrue();
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the server did not become ready within 90 s");
    }

    private static HttpResponse<String> post(int admin, String token, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(int admin, String token, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).GET()
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }
}
