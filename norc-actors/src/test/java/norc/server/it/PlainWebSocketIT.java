package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.WebSocketTransport;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain {@code ws://} on loopback, when explicitly enabled (tests and benchmarks; profile §2). */
class PlainWebSocketIT {
    private static NorcClient register(TestServer server, URI uri, WebSocketTransport.Options plain, String local,
                                       RecordingListener listener) throws Exception {
        String userId = local + "@" + server.serverId();
        String token = server.createUserWithToken(userId);
        NorcClient client = NorcClient.connect(WebSocketTransport.connect(uri, WireEncoding.BINARY, plain).get(10, TimeUnit.SECONDS),
                WireEncoding.BINARY, NorcClient.Options.defaults().withListener(listener)
                        .withPinnedServerKey(server.server.identityPublicKey())).get(10, TimeUnit.SECONDS);
        client.register(DeviceIdentity.create(userId, local, TestServer.RANDOM), token).get(20, TimeUnit.SECONDS);
        return client;
    }

    @TempDir
    Path dir;

    @Test
    void plainWebSocketOnLoopbackCarriesTheSameProtocol() throws Exception {
        try (TestServer server = TestServer.start(dir, "norc.client.plain-websocket = on")) {
            URI uri = URI.create("ws://127.0.0.1:" + server.server.clientPort() + "/norc-c");
            WebSocketTransport.Options plain = WebSocketTransport.Options.defaults().withPlaintextLoopback(true);
            RecordingListener peerHears = new RecordingListener();
            NorcClient peer = register(server, uri, plain, "peer", peerHears);
            NorcClient client = register(server, uri, plain, "plain", new RecordingListener());
            client.send(UUID.randomUUID(), List.of("peer@" + server.serverId()), "over ws".getBytes(StandardCharsets.UTF_8))
                    .get(20, TimeUnit.SECONDS);
            assertThat(new String(peerHears.messages.poll(20, TimeUnit.SECONDS).content(), StandardCharsets.UTF_8)).isEqualTo("over ws");
            client.timeSync().get(10, TimeUnit.SECONDS);
            client.close();
            peer.close();
        }
    }
}
