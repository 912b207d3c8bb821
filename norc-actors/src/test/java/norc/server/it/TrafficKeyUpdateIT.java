package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.ReconnectingClient;
import norc.crypto.CipherSuite;
import norc.session.ClientHandshake;
import norc.session.SessionKeys;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Groups profile D against a real server: 3,000 messages from alice to bob make more than 3,000
 * frames each way on both sessions (sends, their acks and receipts; deliveries and their acks).
 * With {@code tk_update_v1} on both sides the traffic keys change every 1000 frames in place and
 * nobody reconnects; a client that does not offer it is closed with reason {@code rekey} after
 * each 1000th frame, reconnects at once and resends what was not acknowledged. Either way every
 * message arrives, and none is shown twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrafficKeyUpdateIT {
    private static final int MESSAGES = 3000;
    private static final int CONVERSATIONS = 12;

    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.limits.messages-per-minute = 1000000\nnorc.limits.message-burst = 100000\n");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    enum Peer {
        UPDATING(ClientHandshake.Offer.defaults()),
        RECONNECTING(new ClientHandshake.Offer(List.of("2.0"), List.of(CipherSuite.S0101, CipherSuite.S0001),
                List.of("e2ee", "messaging")));

        final ClientHandshake.Offer offer;

        Peer(ClientHandshake.Offer offer) {
            this.offer = offer;
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void threeThousandMessagesArriveOnceWhateverTheKeysDo(Peer peer) throws Exception {
        assertThat(peer.offer.capabilities().contains(SessionKeys.TK_UPDATE)).isEqualTo(peer == Peer.UPDATING);
        String tag = peer.name().toLowerCase();
        ReconnectingClient alice = session("alice-" + tag, new RecordingListener(), peer);
        RecordingListener bobHears = new RecordingListener();
        ReconnectingClient bob = session("bob-" + tag, bobHears, peer);
        String bobId = "bob-" + tag + "@" + server.serverId();
        try {
            // several conversations, so that sends overlap (each conversation's sends go one at a time)
            List<UUID> conversations = new ArrayList<>();
            for (int c = 0; c < CONVERSATIONS; c++) {
                conversations.add(UUID.randomUUID());
            }
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                int c = i % CONVERSATIONS;
                sent.add(alice.send(conversations.get(c), List.of(bobId), (c + ":" + i).getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);

            List<String> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (received.size() < MESSAGES && System.nanoTime() < deadline) {
                ReceivedMessage m = bobHears.messages.poll(1, TimeUnit.SECONDS);
                if (m != null) {
                    received.add(new String(m.content(), StandardCharsets.UTF_8));
                }
            }
            ReceivedMessage extra = bobHears.messages.poll(2, TimeUnit.SECONDS);
            Set<String> distinct = new HashSet<>(received);
            assertThat(distinct).as("lost").hasSize(MESSAGES);
            assertThat(received).as("shown twice").hasSize(MESSAGES);
            assertThat(extra).as("shown twice").isNull();
            // within each conversation bob sees alice's order
            int[] last = new int[CONVERSATIONS];
            java.util.Arrays.fill(last, -1);
            for (String m : received) {
                int c = Integer.parseInt(m.substring(0, m.indexOf(':')));
                int i = Integer.parseInt(m.substring(m.indexOf(':') + 1));
                assertThat(i).as("order in conversation %d", c).isGreaterThan(last[c]);
                last[c] = i;
            }
            if (peer == Peer.UPDATING) {
                assertThat(alice.reconnects()).isZero();
                assertThat(bob.reconnects()).isZero();
            } else {
                // more than 3,000 frames each way on each session: at least two rekey closes each
                assertThat(alice.reconnects()).isGreaterThanOrEqualTo(2);
                assertThat(bob.reconnects()).isGreaterThanOrEqualTo(2);
            }
        } finally {
            alice.close();
            bob.close();
        }
    }

    private ReconnectingClient session(String localPart, RecordingListener listener, Peer peer) throws Exception {
        DeviceIdentity[] identity = new DeviceIdentity[1];
        server.registerNew(localPart, WireEncoding.BINARY, new RecordingListener(), identity).close();
        ReconnectingClient client = ReconnectingClient.connect(List.of(server.clientUri()), WireEncoding.BINARY,
                server.transportOptions(), identity[0], NorcClient.Options.defaults().withOffer(peer.offer)
                        .withListener(listener).withRequestTimeout(Duration.ofSeconds(30)));
        client.connected().get(20, TimeUnit.SECONDS);
        return client;
    }
}
