package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import norc.client.NorcClient;
import norc.client.TransportSecurity;
import norc.wire.WireEncoding;
import norc.error.ErrorCode;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;
import norc.wire.message.SessionKeyExchange;
import norc.wire.message.TimeSync;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The NORC-C endpoint at the socket (profile §2): TLS 1.3 only, the HTTP answers before the
 * upgrade, the subprotocol choice, and the two backpressure paths: a client that stops reading is
 * disconnected instead of queueing without bound, and a client flooding frames does not starve
 * others.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientEndpointIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("norc-endpoint");
        server = TestServer.start(dir, "norc.limits { messages-per-minute = 100000, message-burst = 100000 }");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void tls12IsRefused() throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
        }
    }

    @Test
    void httpAnswersBeforeTheUpgrade() throws Exception {
        assertThat(statusLine(request("/other", "norc-c-v1"))).contains(" 404");
        assertThat(statusLine(request("/norc-c", "xmpp"))).contains(" 400");
        assertThat(statusLine(request("/norc-c", null))).contains(" 400");
    }

    @Test
    void theBinarySubprotocolWinsWhenBothAreOffered() throws Exception {
        List<String> head = request("/norc-c", "norc-c-json-v1, norc-c-v1");
        assertThat(statusLine(head)).contains(" 101");
        assertThat(head).anySatisfy(line -> assertThat(line.toLowerCase()).isEqualTo("sec-websocket-protocol: norc-c-v1"));
        assertThat(request("/norc-c", "norc-c-json-v1")).anySatisfy(line ->
                assertThat(line.toLowerCase()).isEqualTo("sec-websocket-protocol: norc-c-json-v1"));
    }

    @Test
    void aClientThatStopsReadingIsDisconnected() throws Exception {
        // a server of its own: the authenticated count then changes only with this test's clients
        try (TestServer own = TestServer.start(Files.createTempDirectory("norc-slow-reader"),
                "norc.limits { messages-per-minute = 100000, message-burst = 100000 }")) {
            RawClient victim = RawClient.registered(own, "stuck@" + own.serverId());
            NorcClient sender = own.registerNew("big-sender", WireEncoding.BINARY, new RecordingListener(), null);
            assertThat(authenticated(own)).isEqualTo(2);
            victim.stalled = new CountDownLatch(1);
            byte[] content = new byte[2_500_000]; // a frame padded to 4 MiB: a few are past the 16 MiB outbound cap
            int sent = 0;
            while (authenticated(own) == 2 && sent < 40) {
                sender.send(UUID.randomUUID(), List.of("stuck@" + own.serverId()), content).get(60, TimeUnit.SECONDS);
                sent++;
            }
            assertThat(authenticated(own)).as("the non-reading client was dropped after " + sent + " deliveries").isEqualTo(1);
            victim.stalled.countDown();
            assertThat(victim.closedWithin(Duration.ofSeconds(20))).isTrue();
            sender.timeSync().get(10, TimeUnit.SECONDS); // the sender is still served
            sender.close();
        }
    }

    @Test
    void aKeyExchangeFloodIsRateLimitedAndItsTargetStaysConnected() throws Exception {
        RawClient target = registered("target");
        RawClient flooder = registered("exchanger");
        byte[] ephemeral = norc.crypto.X25519.generate(TestServer.RANDOM).publicKey();
        for (int i = 0; i < 200; i++) {
            flooder.send(new SessionKeyExchange(UUID.randomUUID(), ephemeral, target.deviceId, 4_000_000_000L,
                    Optional.empty(), Optional.empty()));
        }
        int limited = 0;
        for (NorcMessage answer = flooder.receive(Duration.ofSeconds(3)); answer != null; answer = flooder.receive(Duration.ofSeconds(1))) {
            if (answer instanceof ErrorMessage error && error.errorCode() == ErrorCode.RATE_LIMITED.code()) {
                assertThat(error.retryAfter()).hasValueSatisfying(seconds -> assertThat(seconds).isPositive());
                limited++;
            }
        }
        int relayed = 0;
        while (target.receive(Duration.ofSeconds(1)) instanceof SessionKeyExchange) {
            relayed++;
        }
        assertThat(limited).as("answered 6001 past the 60 burst").isGreaterThanOrEqualTo(130);
        assertThat(relayed).as("relayed to the target").isBetween(55, 70);
        target.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        assertThat(target.receive()).as("the target is still connected").isInstanceOf(TimeSync.class);
        target.close();
        flooder.close();
    }

    @Test
    void aFloodOfFramesFromOneClientDoesNotStarveOthers() throws Exception {
        RawClient flooder = registered("noisy");
        NorcClient alice = server.registerNew("quiet-a", WireEncoding.BINARY, new RecordingListener(), null);
        RecordingListener bobHears = new RecordingListener();
        NorcClient bob = server.registerNew("quiet-b", WireEncoding.BINARY, bobHears, null);
        String bobId = "quiet-b" + "@" + server.serverId();
        Thread flood = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) { // each is answered with a server signature
                flooder.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
            }
        });
        flood.start();
        List<Long> roundTrips = new ArrayList<>();
        UUID conversation = UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            alice.send(conversation, List.of(bobId), ("m" + i).getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(bobHears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
            roundTrips.add((System.nanoTime() - start) / 1_000_000);
        }
        flood.join(60_000);
        assertThat(roundTrips).as("send → stored → delivered, ms, while another socket floods").allSatisfy(ms ->
                assertThat(ms).isLessThan(2_000));
        assertThat(flooder.receive(Duration.ofSeconds(30))).as("the flooder is served too").isInstanceOf(TimeSync.class);
        flooder.close();
        alice.close();
        bob.close();
    }

    private RawClient registered(String local) throws Exception {
        return RawClient.registered(server, local + "@" + server.serverId());
    }

    private static int authenticated(TestServer on) throws Exception {
        return JSON.readTree(on.get("/admin/connections").body()).get("authenticated").asInt();
    }

    private SSLSocket tlsSocket() throws Exception {
        SSLSocket socket = (SSLSocket) TransportSecurity.trustCertificate(server.server.certificatePem(), new char[0])
                .getSocketFactory().createSocket("localhost", server.server.clientPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends one upgrade request and returns the response head, line by line. */
    private List<String> request(String path, String subprotocols) throws Exception {
        try (SSLSocket socket = tlsSocket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + (subprotocols == null ? "" : "Sec-WebSocket-Protocol: " + subprotocols + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            List<String> head = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                head.add(line);
            }
            return head;
        }
    }

    private static String statusLine(List<String> head) {
        assertThat(head).isNotEmpty();
        return head.get(0);
    }
}
