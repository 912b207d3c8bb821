package norc.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import norc.client.ClientListener;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.TransportSecurity;
import norc.client.WebSocketTransport;
import norc.server.NorcConfig;
import norc.server.NorcServer;
import norc.server.tls.TlsMaterial;
import norc.wire.WireEncoding;

/**
 * A real server node for integration tests: the same {@link NorcServer} {@code Main} starts, on a
 * temporary data directory, ephemeral ports (client, admin, cluster) and real TLS with the
 * generated certificate. Helpers speak to it the way users do: the admin HTTP API and SDK clients
 * over {@code wss://}.
 */
public final class TestServer implements AutoCloseable {
    static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dataDir;
    public final NorcServer server;
    private final SSLContext trust;
    private final HttpClient admin = HttpClient.newHttpClient();

    private TestServer(Path dataDir, NorcServer server) throws IOException {
        this.dataDir = dataDir;
        this.server = server;
        // a node given another node's keystore (a cluster) presents that node's certificate
        Path certificate = server.settings().tlsKeystore().isEmpty() ? server.certificatePem()
                : Path.of(server.settings().tlsKeystore()).resolveSibling(TlsMaterial.CERTIFICATE_PEM);
        this.trust = server.settings().plainWebSocket() ? null : TransportSecurity.trustCertificate(certificate, new char[0]);
    }

    /** Starts a node; {@code overrides} is HOCON laid over the defaults (e.g. relaxed limits). */
    public static TestServer start(Path dataDir, String overrides) throws IOException {
        Config config = NorcConfig.load(ConfigFactory.parseString(overrides).withFallback(ConfigFactory.parseMap(Map.of(
                "norc.data-dir", dataDir.toString(),
                "norc.client.port", 0,
                "norc.client.interface", "127.0.0.1",
                "norc.admin.port", 0,
                "pekko.remote.artery.canonical.port", 0,
                "pekko.management.http.port", 0,
                "norc.federation.port", 0,
                "norc.federation.interface", "127.0.0.1",
                // every message that crosses an actor boundary is serialized as if it crossed nodes
                "pekko.actor.serialize-messages", "on"))));
        return new TestServer(dataDir, NorcServer.start(config));
    }

    static TestServer start(Path dataDir) throws IOException {
        return start(dataDir, "");
    }

    URI clientUri() {
        return URI.create("wss://localhost:" + server.clientPort() + "/norc-c");
    }

    public String serverId() {
        return server.settings().serverId();
    }

    /** Creates a user and returns a fresh enrollment token for it. */
    String createUserWithToken(String userId) throws Exception {
        HttpResponse<String> created = post("/admin/users", "{\"user_id\":\"" + userId + "\"}");
        if (created.statusCode() != 201 && created.statusCode() != 409) {
            throw new IllegalStateException("create user: " + created.statusCode() + " " + created.body());
        }
        return token(userId);
    }

    String token(String userId) throws Exception {
        HttpResponse<String> issued = post("/admin/users/" + userId + "/enrollment-tokens", "");
        if (issued.statusCode() != 201) {
            throw new IllegalStateException("token: " + issued.statusCode() + " " + issued.body());
        }
        JsonNode body = JSON.readTree(issued.body());
        return body.get("token").asText();
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path)).GET()
                        .header("Authorization", "Bearer " + adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The admin API's bearer token, as an operator reads it: from the server's token file. */
    String adminToken() throws IOException {
        return java.nio.file.Files.readString(server.settings().admin().tokenFile()).strip();
    }

    /** The transport options that trust this node's certificate. */
    WebSocketTransport.Options transportOptions() {
        return WebSocketTransport.Options.defaults().withSslContext(trust);
    }

    /** A raw TLS WebSocket to the endpoint, for tests that speak frames by hand. */
    WebSocketTransport transport(WireEncoding encoding) throws Exception {
        return WebSocketTransport.connect(clientUri(), encoding, WebSocketTransport.Options.defaults().withSslContext(trust))
                .get(10, TimeUnit.SECONDS);
    }

    /** An SDK client connected (handshake done, server key pinned) but not authenticated. */
    public NorcClient connect(WireEncoding encoding, ClientListener listener) throws Exception {
        return NorcClient.connect(transport(encoding), encoding, NorcClient.Options.defaults()
                        .withListener(listener).withPinnedServerKey(server.identityPublicKey())
                        .withRequestTimeout(Duration.ofSeconds(20)))
                .get(10, TimeUnit.SECONDS);
    }

    /** Creates the user if needed, a new device identity, and registers it; returns the authenticated client. */
    public NorcClient registerNew(String localPart, WireEncoding encoding, ClientListener listener, DeviceIdentity[] identityOut)
            throws Exception {
        String userId = localPart + "@" + serverId();
        String token = createUserWithToken(userId);
        DeviceIdentity identity = DeviceIdentity.create(userId, "test-" + localPart, RANDOM);
        NorcClient client = connect(encoding, listener);
        client.register(identity, token).get(20, TimeUnit.SECONDS);
        if (identityOut != null) {
            identityOut[0] = identity;
        }
        return client;
    }

    @Override
    public void close() {
        server.close();
    }

    /** How many members of {@code system}'s cluster it sees as Up. */
    public static long upMembers(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return java.util.stream.StreamSupport.stream(
                        org.apache.pekko.cluster.typed.Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == org.apache.pekko.cluster.MemberStatus.up()).count();
    }
}
