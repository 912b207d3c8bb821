package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's guards (hardening issue): a bearer token from a 0600 file in the data directory,
 * a {@code Host} check against DNS rebinding, JSON bodies only. Each case fails on a server
 * without the guard.
 */
class AdminApiIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void everyAdminRequestNeedsTheTokenAndALocalHostAndJson() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            Path tokenFile = dir.resolve("admin").resolve("token");
            assertThat(server.server.settings().admin().tokenFile()).isEqualTo(tokenFile);
            assertThat(Files.getPosixFilePermissions(tokenFile))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            String token = server.adminToken();
            assertThat(token).hasSize(64);
            String base = "http://127.0.0.1:" + server.server.adminPort();
            String user = "{\"user_id\":\"carol@" + server.serverId() + "\"}";

            // no token, a wrong one, one of another scheme: 401 with a challenge, nothing created
            HttpResponse<String> none = HTTP.send(json(base + "/admin/users", user).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(HTTP.send(json(base + "/admin/users", user).header("Authorization", "Bearer " + "0".repeat(64)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(HTTP.send(json(base + "/admin/users", user).header("Authorization", "Basic " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/admin/connections")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            // a body that is not JSON (what a browser form can send without asking): 415
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/admin/users")).header("Content-Type", "text/plain")
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(user)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(415);
            // with the token: served
            assertThat(server.post("/admin/users", user).statusCode()).isEqualTo(201);
            assertThat(server.get("/admin/connections").statusCode()).isEqualTo(200);
            // liveness, readiness and metrics hold no id: no token needed
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // a Host that is not this machine (a rebinding page's): 421, even with the token
            assertThat(statusWithHost(server.server.adminPort(), "evil.example", token)).isEqualTo(421);
            assertThat(statusWithHost(server.server.adminPort(), "localhost:" + server.server.adminPort(), token)).isEqualTo(200);
        }
    }

    private static HttpRequest.Builder json(String uri, String body) {
        return HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** A GET of /admin/connections with this Host header (HttpClient will not send another host's). */
    private static int statusWithHost(int port, String host, String token) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /admin/connections HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
