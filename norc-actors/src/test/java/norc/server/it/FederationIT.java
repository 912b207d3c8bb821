package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.Receipt;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.error.NorcException;
import norc.server.keys.ServerIdentity;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two real servers on loopback, {@code a.localhost} and {@code b.localhost}, each with its own data
 * directory, identity key and self-signed certificate, configured as each other's static peer at
 * {@code basic}: users on either exchange end-to-end messages over NORC-F (HTTP/2, mutual TLS),
 * keys are fetched across, acks travel back ({@code accepted}, then {@code delivered} with the
 * remote device), and a relay queued while the peer is down arrives once it is back. A third,
 * {@code c.localhost}, a's peer too, receives its share of a message to users on both b and c.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FederationIT {
    @TempDir
    static Path dir;
    Path dirA;
    Path dirB;
    int portA;
    int portB;
    int portC;
    byte[] keyA;
    byte[] keyB;
    byte[] keyC;
    TestServer a;
    TestServer b;
    TestServer c;

    @BeforeAll
    void start() throws Exception {
        dirA = dir.resolve("a");
        dirB = dir.resolve("b");
        keyA = identity(dirA);
        keyB = identity(dirB);
        keyC = identity(dir.resolve("c"));
        portA = freePort();
        portB = freePort();
        portC = freePort();
        a = startA();
        b = startB();
        c = TestServer.start(dir.resolve("c"), config("c.localhost", portC, "a.localhost", portA, keyA));
    }

    @AfterAll
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (c != null) {
            c.close();
        }
    }

    private TestServer startA() throws IOException {
        return TestServer.start(dirA, config("a.localhost", portA, "b.localhost", portB, keyB).replace(
                "/basic\"", "/basic,c.localhost@127.0.0.1:" + portC + "/" + Bytes.hex(keyC) + "/basic\""));
    }

    private TestServer startB() throws IOException {
        return TestServer.start(dirB, config("b.localhost", portB, "a.localhost", portA, keyA));
    }

    static String config(String self, int port, String peer, int peerPort, byte[] peerKey) {
        return "norc.server-id = \"" + self + "\"\n"
                + "norc.federation.interface = \"127.0.0.1\"\n"
                + "norc.federation.port = " + port + "\n"
                + "norc.federation.peers-list = \"" + peer + "@127.0.0.1:" + peerPort + "/" + Bytes.hex(peerKey) + "/basic\"\n"
                + "norc.limits.messages-per-minute = 100000\n"
                + "norc.limits.message-burst = 100000\n"
                + "norc.limits.key-lookups-per-minute = 100000\n"
                + "norc.limits.key-lookup-burst = 100000\n";
    }

    /** Creates the server's identity key before it starts, so its peer can be configured with it. */
    static byte[] identity(Path dataDir) throws IOException {
        Ed25519.KeyPair pair = Ed25519.generate(TestServer.RANDOM);
        Path file = dataDir.resolve("identity").resolve(ServerIdentity.KEY_FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, Bytes.hex(pair.secretKey()) + "\n");
        return pair.publicKey();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void usersOnTwoServersExchangeMessagesBothWaysWithAcks(WireEncoding encoding) throws Exception {
        String tag = encoding.name().toLowerCase();
        RecordingListener aliceHears = new RecordingListener();
        RecordingListener bobHears = new RecordingListener();
        NorcClient alice = a.registerNew("alice-" + tag, encoding, aliceHears, null);
        NorcClient bob = b.registerNew("bob-" + tag, encoding, bobHears, null);
        String aliceId = "alice-" + tag + "@a.localhost";
        String bobId = "bob-" + tag + "@b.localhost";
        UUID conversation = UUID.randomUUID();

        var sent = alice.send(conversation, List.of(bobId), "hello bob".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
        assertThat(sent.deviceCount()).isEqualTo(1); // bob's device, fetched from b
        ReceivedMessage atBob = bobHears.messages.poll(30, TimeUnit.SECONDS);
        assertThat(atBob).isNotNull();
        assertThat(new String(atBob.content(), StandardCharsets.UTF_8)).isEqualTo("hello bob");
        assertThat(atBob.senderUserId()).isEqualTo(aliceId);
        Receipt delivered = awaitReceipt(aliceHears, sent.messageId(), AckStatus.DELIVERED);
        assertThat(delivered.deviceId()).contains(bob.identity().deviceId());

        var reply = bob.send(conversation, List.of(aliceId), "hello alice".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
        ReceivedMessage atAlice = aliceHears.messages.poll(30, TimeUnit.SECONDS);
        assertThat(atAlice).isNotNull();
        assertThat(new String(atAlice.content(), StandardCharsets.UTF_8)).isEqualTo("hello alice");
        assertThat(atAlice.senderUserId()).isEqualTo(bobId);
        assertThat(awaitReceipt(bobHears, reply.messageId(), AckStatus.DELIVERED).deviceId()).contains(alice.identity().deviceId());
        alice.close();
        bob.close();
    }

    @Test
    void aServerThatIsNotAPeerIsRefusedAtTheOrigin() throws Exception {
        NorcClient alice = a.registerNew("alice-x", WireEncoding.BINARY, new RecordingListener(), null);
        // nobody at c.localhost can be looked up, so the SDK refuses to send with no device to wrap for
        assertThatThrownBy(() -> alice.send(UUID.randomUUID(), List.of("carol@c.localhost"), new byte[] {1})
                .get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NorcException.class);
        alice.close();
    }

    @Test
    void aClassificationAboveThePeersGrantIsRefusedWith2002() throws Exception {
        NorcClient alice = a.registerNew("alice-s", WireEncoding.BINARY, new RecordingListener(), null);
        NorcClient bob = b.registerNew("bob-s", WireEncoding.BINARY, new RecordingListener(), null);
        var options = new NorcClient.SendOptions(NorcClient.SendOptions.DEFAULT.messageType(), Classification.SECRET);
        assertThatThrownBy(() -> alice.send(UUID.randomUUID(), List.of("bob-s@b.localhost"), new byte[] {1}, options)
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(NorcException.class)
                .satisfies(e -> assertThat(((NorcException) e).code().code()).isEqualTo(2002));
        // and the refusal is audited at the origin, the sender pseudonymised
        var entries = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                .readTree(a.get("/admin/audit/entries?from=1&limit=1000").body()).path("entries");
        boolean found = false;
        for (var e : entries) {
            var entry = norc.audit.AuditEntry.decode(java.util.Base64.getDecoder().decode(e.path("canonical_entry").asText()));
            if (entry.kind().equals("classification.refused")) {
                assertThat(entry.fields()).containsEntry("peer", "b.localhost").containsEntry("classification", "secret")
                        .containsEntry("side", "origin");
                assertThat(entry.fields().get("user")).startsWith("u:").doesNotContain("alice");
                found = true;
            }
        }
        assertThat(found).as("a classification.refused audit entry").isTrue();
        alice.close();
        bob.close();
    }

    @Test
    void relaysQueuedWhileThePeerIsDownArriveOnceInOrderWhenItIsBack() throws Exception {
        RecordingListener bobHears = new RecordingListener();
        RecordingListener aliceHears = new RecordingListener();
        NorcClient alice = a.registerNew("alice-q", WireEncoding.BINARY, aliceHears, null);
        norc.client.DeviceIdentity[] bobDevice = new norc.client.DeviceIdentity[1];
        NorcClient bob = b.registerNew("bob-q", WireEncoding.BINARY, bobHears, bobDevice);
        UUID conversation = UUID.randomUUID();
        alice.send(conversation, List.of("bob-q@b.localhost"), "before".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
        assertThat(bobHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull(); // keys cached, link up
        bob.close();
        b.close();
        b = null;

        int count = 50;
        List<UUID> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) { // accepted while b is down: journalled in a's outbox
            sent.add(alice.send(conversation, List.of("bob-q@b.localhost"), ("m" + i).getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS).messageId());
        }
        assertThat(queuedOn(a)).as("norc_federation_queued while the peer is down").isGreaterThanOrEqualTo(1);
        b = startB();
        bobHears = new RecordingListener();
        bob = b.connect(WireEncoding.BINARY, bobHears);
        bob.authenticate(bobDevice[0]).get(20, TimeUnit.SECONDS);
        List<String> received = new ArrayList<>();
        while (received.size() < count) {
            ReceivedMessage m = bobHears.messages.poll(120, TimeUnit.SECONDS);
            assertThat(m).as("message %d of %d after the peer came back", received.size(), count).isNotNull();
            String text = new String(m.content(), StandardCharsets.UTF_8);
            if (!text.equals("before")) { // at-least-once: an ack cut off by the shutdown redelivers it to this fresh client
                received.add(text);
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add("m" + i);
        }
        assertThat(received).containsExactlyElementsOf(expected); // in order, each once
        assertThat(bobHears.messages.poll(2, TimeUnit.SECONDS)).isNull();
        awaitReceipt(aliceHears, sent.get(count - 1), AckStatus.DELIVERED);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> queuedOn(a) == 0);
        alice.close();
        bob.close();
    }

    /** The relays waiting in a node's federation outboxes, from its /metrics. */
    private static double queuedOn(TestServer server) throws Exception {
        for (String line : server.get("/metrics").body().split("\n")) {
            if (line.startsWith("norc_federation_queued ")) {
                return Double.parseDouble(line.substring("norc_federation_queued ".length()).trim());
            }
        }
        throw new AssertionError("no norc_federation_queued on /metrics");
    }

    /**
     * One message to users on two other servers: each relay carries only its own server's devices.
     * Which device is whose the origin learns from the {@code key_response}s it proxies; a client may
     * send with keys it fetched earlier, through another node or before a restart, so here the keys
     * are fetched, then {@code a} restarts (forgetting what it learned) and another device of the
     * sender writes with those keys: {@code a} asks both servers again and both recipients get it.
     */
    @Test
    void aMessageToUsersOnTwoRemoteServersReachesBothEvenWhenTheOriginForgotWhoseDevicesTheyAre() throws Exception {
        RecordingListener bobHears = new RecordingListener();
        RecordingListener carolHears = new RecordingListener();
        NorcClient bob = b.registerNew("bob-3", WireEncoding.BINARY, bobHears, null);
        NorcClient carol = c.registerNew("carol-3", WireEncoding.JSON, carolHears, null);
        String aliceId = "alice-3@a.localhost";
        List<String> recipients = List.of("bob-3@b.localhost", "carol-3@c.localhost");

        KeyResponse keys;
        try (RawClient laptop = RawClient.handshaken(a, WireEncoding.BINARY)) {
            laptop.send(laptop.register(aliceId, a.createUserWithToken(aliceId)));
            laptop.receive();
            laptop.send(new KeyRequest(recipients, java.util.Optional.empty()));
            keys = (KeyResponse) laptop.receive();
        }
        assertThat(keys.keys().get("bob-3@b.localhost")).hasSize(1);
        assertThat(keys.keys().get("carol-3@c.localhost")).hasSize(1);

        a.close(); // a forgets which remote device is whose
        a = null;
        a = startA();
        try (RawClient phone = RawClient.handshaken(a, WireEncoding.BINARY)) {
            phone.send(phone.register(aliceId, a.token(aliceId)));
            phone.receive();
            List<Envelope.RecipientDevice> devices = new ArrayList<>();
            keys.keys().values().forEach(forUser -> forUser.forEach((device, key) ->
                    devices.add(new Envelope.RecipientDevice(device, key.kexPublicKey()))));
            MessageSend message = Envelope.seal(new Envelope.Sender(aliceId, phone.deviceId, phone.signing.secretKey()),
                    UUID.randomUUID(), UUID.randomUUID(), recipients,
                    new MessageSend.Metadata(RawClient.nowMicros(), "text", Classification.UNCLASSIFIED),
                    new ConversationChain().next(UUID.randomUUID()), "to both".getBytes(StandardCharsets.UTF_8), devices,
                    TestServer.RANDOM);
            phone.send(message);
            assertThat(((MessageAck) phone.receive()).status()).isEqualTo(AckStatus.ACCEPTED);
        }
        ReceivedMessage atBob = bobHears.messages.poll(30, TimeUnit.SECONDS);
        ReceivedMessage atCarol = carolHears.messages.poll(30, TimeUnit.SECONDS);
        assertThat(atBob).as("bob's copy, relayed to b").isNotNull();
        assertThat(atCarol).as("carol's copy, relayed to c").isNotNull();
        assertThat(new String(atBob.content(), StandardCharsets.UTF_8)).isEqualTo("to both");
        assertThat(new String(atCarol.content(), StandardCharsets.UTF_8)).isEqualTo("to both");
        bob.close();
        carol.close();
    }

    static Receipt awaitReceipt(RecordingListener hears, UUID messageId, AckStatus status) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Receipt> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            Receipt r = hears.receipts.poll(1, TimeUnit.SECONDS);
            if (r != null) {
                seen.add(r);
                if (r.messageId().equals(messageId) && r.status() == status) {
                    return r;
                }
            }
        }
        throw new AssertionError("no " + status + " receipt for the message; saw " + seen);
    }
}
