package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import norc.client.TransportSecurity;
import norc.error.ErrorCode;
import norc.server.user.api.UserCommand;
import norc.wire.WireEncoding;
import norc.wire.message.ErrorMessage;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Before authentication a connection costs the server as little as it can: one deadline from TCP
 * accept to authenticated (3 s here, 10 s by default) however the time is spent, a small byte
 * budget until authenticated, and no entity for a user id this server cannot hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PreAuthIT {
    private static final long DEADLINE_MS = 3_000;
    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.client.pre-auth-timeout = 3s");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void theDeadlineCountsFromAcceptNotFromTheUpgrade() throws Exception {
        long start = System.nanoTime();
        try (SSLSocket socket = tlsSocket()) {
            socket.startHandshake();
            Thread.sleep(2_000); // most of the budget spent before the upgrade
            upgrade(socket.getOutputStream());
            InputStream in = socket.getInputStream();
            skipResponseHead(in);
            int next = in.read(); // the server's close frame, at the deadline
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertThat(next).as("a close frame").isEqualTo(0x88);
            assertThat(elapsed).as("ms from connect to close").isBetween(DEADLINE_MS - 200, DEADLINE_MS + 1_200);
        }
    }

    @Test
    void aSlowUpgradeIsCutAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        try (SSLSocket socket = tlsSocket()) {
            socket.startHandshake();
            Thread trickle = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (byte b : "GET /norc-c HTTP/1.1\r\nHost: localhost\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII)) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(150);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server cut us off
                }
            });
            trickle.start();
            assertThat(readToEnd(socket.getInputStream())).isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(DEADLINE_MS - 200, DEADLINE_MS + 1_500);
            trickle.interrupt();
        }
    }

    @Test
    void aSilentTcpConnectionIsCutAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", server.server.clientPort())) {
            socket.setSoTimeout(10_000);
            assertThat(readToEnd(socket.getInputStream())).isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(DEADLINE_MS - 200, DEADLINE_MS + 1_500);
        }
    }

    @Test
    void anUnauthenticatedPeerCannotMakeTheServerBufferMuch() throws Exception {
        RawClient client = RawClient.handshaken(server, WireEncoding.BINARY);
        // an authentic frame of an unknown type is answered 3003 and the session goes on, unless it
        // carries more than the 256 KiB budget (far under the 4 MiB limit after authentication)
        client.sendFrame(client.authenticFrameWithType(0x7A, new byte[16 * 1024]));
        assertThat(((ErrorMessage) client.receive()).errorCode()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE.code());
        // one message past the 64 KiB pre-authentication limit (within the byte budget): 3007, closed
        RawClient large = RawClient.handshaken(server, WireEncoding.BINARY);
        large.sendFrame(large.authenticFrameWithType(0x7A, new byte[100 * 1024]));
        assertThat(((ErrorMessage) large.receive()).errorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
        assertThat(large.closedWithin(Duration.ofSeconds(5))).isTrue();
        RawClient big = RawClient.handshaken(server, WireEncoding.BINARY);
        big.sendFrame(big.authenticFrameWithType(0x7A, new byte[300 * 1024]));
        assertThat(big.receive(Duration.ofSeconds(3))).as("no answer: the socket was closed").isNull();
        assertThat(big.closedWithin(Duration.ofSeconds(5))).isTrue();
        client.close();
    }

    @Test
    void authenticationForAnIdThisServerCannotHoldStartsNoEntity() throws Exception {
        String foreign = "mallory-" + UUID.randomUUID() + "@elsewhere.example";
        String local = "nobody-" + UUID.randomUUID() + "@" + server.serverId();
        for (String user : new String[] {foreign, local}) {
            RawClient client = RawClient.handshaken(server, WireEncoding.BINARY);
            client.send(client.auth(user, UUID.randomUUID(), client.signing.secretKey(), RawClient.nowMicros()));
            ErrorMessage answer = (ErrorMessage) client.receive();
            assertThat(answer.errorCode()).as("the same answer for both").isEqualTo(ErrorCode.AUTHENTICATION_FAILED.code());
            client.close();
        }
        Set<String> users = userEntities();
        assertThat(users).as("a local id is looked up (the query sees entities)").contains(local);
        assertThat(users).doesNotContain(foreign);
    }

    private Set<String> userEntities() throws Exception {
        ShardRegion.CurrentShardRegionState state = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
                        ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(server.server.system()).shardState(),
                        replyTo -> new GetShardRegionState(UserCommand.ENTITY_TYPE_KEY, replyTo), Duration.ofSeconds(5),
                        server.server.system().scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return state.getShards().stream().flatMap(shard -> shard.getEntityIds().stream())
                .map(server.server.entities()::userIdOf).collect(Collectors.toSet());
    }

    private SSLSocket tlsSocket() throws Exception {
        SSLSocket socket = (SSLSocket) TransportSecurity.trustCertificate(server.server.certificatePem(), new char[0])
                .getSocketFactory().createSocket("localhost", server.server.clientPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void upgrade(OutputStream out) throws IOException {
        out.write(("GET /norc-c HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: norc-c-v1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void skipResponseHead(InputStream in) throws IOException {
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("closed before the upgrade answer ended");
            }
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
    }

    /** Reads until the end; a reset counts as the end too. */
    private static int readToEnd(InputStream in) {
        try {
            while (in.read() != -1) {
                // drop
            }
        } catch (IOException reset) {
            // the server aborted the connection
        }
        return -1;
    }
}
