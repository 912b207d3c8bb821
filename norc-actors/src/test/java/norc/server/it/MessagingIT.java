package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Two SDK devices over real TLS exchange end-to-end encrypted messages both ways, on both subprotocols. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessagingIT {
    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void twoDevicesExchangeMessagesBothWays(WireEncoding encoding) throws Exception {
        String tag = encoding.name().toLowerCase();
        RecordingListener aliceHears = new RecordingListener();
        RecordingListener bobHears = new RecordingListener();
        NorcClient alice = server.registerNew("alice-" + tag, encoding, aliceHears, null);
        NorcClient bob = server.registerNew("bob-" + tag, encoding, bobHears, null);
        String aliceId = "alice-" + tag + "@" + server.serverId();
        String bobId = "bob-" + tag + "@" + server.serverId();
        UUID conversation = UUID.randomUUID();

        alice.send(conversation, List.of(bobId), "hello bob".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        ReceivedMessage atBob = bobHears.messages.poll(20, TimeUnit.SECONDS);
        assertThat(atBob).isNotNull();
        assertThat(new String(atBob.content(), StandardCharsets.UTF_8)).isEqualTo("hello bob");
        assertThat(atBob.senderUserId()).isEqualTo(aliceId);

        bob.send(conversation, List.of(aliceId), "hello alice".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        ReceivedMessage atAlice = aliceHears.messages.poll(20, TimeUnit.SECONDS);
        assertThat(atAlice).isNotNull();
        assertThat(new String(atAlice.content(), StandardCharsets.UTF_8)).isEqualTo("hello alice");
        assertThat(atAlice.senderUserId()).isEqualTo(bobId);
        alice.close();
        bob.close();
    }

    @org.junit.jupiter.api.Test
    void presenceReachesOnlyUsersWhoShareAConversation() throws Exception {
        RecordingListener bobHears = new RecordingListener();
        RecordingListener carolHears = new RecordingListener();
        NorcClient alice = server.registerNew("alice-p", WireEncoding.BINARY, new RecordingListener(), null);
        NorcClient bob = server.registerNew("bob-p", WireEncoding.BINARY, bobHears, null);
        NorcClient carol = server.registerNew("carol-p", WireEncoding.JSON, carolHears, null);
        String bobId = "bob-p@" + server.serverId();
        alice.send(UUID.randomUUID(), List.of(bobId), "hi".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        assertThat(bobHears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();

        alice.presence(norc.wire.message.Atoms.PresenceStatus.AWAY, "lunch").get(10, TimeUnit.SECONDS);
        norc.wire.message.PresenceUpdate seen = bobHears.presence.poll(10, TimeUnit.SECONDS); // after 0-3 s
        assertThat(seen).isNotNull();
        assertThat(seen.userId()).contains("alice-p@" + server.serverId()); // stamped by the server
        assertThat(seen.status()).isEqualTo(norc.wire.message.Atoms.PresenceStatus.AWAY);
        assertThat(carolHears.presence.poll(4, TimeUnit.SECONDS)).isNull(); // shares no conversation
        alice.close();
        bob.close();
        carol.close();
    }

    @org.junit.jupiter.api.Test
    void sessionKeyExchangeIsRelayedToItsTargetStamped() throws Exception {
        RawClient alice = registeredRaw("alice-k");
        RawClient bob = registeredRaw("bob-k");
        byte[] ephemeral = norc.crypto.X25519.generate(TestServer.RANDOM).publicKey();
        UUID session = UUID.randomUUID();
        // ephemeral: pushed only to a connection already attached to bob's device entity, which bob's
        // registration does without waiting; a client resends a key exchange that got no answer
        norc.wire.message.SessionKeyExchange relayed = null;
        for (int attempt = 0; attempt < 5 && relayed == null; attempt++) {
            alice.send(new norc.wire.message.SessionKeyExchange(session, ephemeral, bob.deviceId, 4_000_000_000L,
                    java.util.Optional.of("forged@elsewhere"), java.util.Optional.empty()));
            relayed = (norc.wire.message.SessionKeyExchange) bob.receive(java.time.Duration.ofSeconds(2));
        }
        assertThat(relayed).as("relayed").isNotNull();
        assertThat(relayed.sessionId()).isEqualTo(session);
        assertThat(relayed.ephemeralPublicKey()).isEqualTo(ephemeral);
        assertThat(relayed.senderUserId()).contains("alice-k@" + server.serverId());
        assertThat(relayed.senderDeviceId()).contains(alice.deviceId);
        alice.close();
        bob.close();
    }

    @org.junit.jupiter.api.Test
    void onlyUsersWhoReceivedACopyBecomeContacts() throws Exception {
        // a raw send: keys for carol's device and for a device nobody has; bob has no device at all,
        // so his copy is never stored (the SDK would refuse to send to him)
        RawClient alice = registeredRaw("alice-c");
        RawClient carol = registeredRaw("carol-c");
        String bob = "bob-c@" + server.serverId();
        server.createUserWithToken(bob);
        String aliceId = "alice-c@" + server.serverId();
        String carolId = "carol-c@" + server.serverId();
        norc.wire.message.MessageSend.WrappedKey key = new norc.wire.message.MessageSend.WrappedKey(new byte[32], new byte[48]);
        norc.wire.message.MessageSend send = new norc.wire.message.MessageSend(UUID.randomUUID(), UUID.randomUUID(),
                List.of(bob, carolId), new norc.wire.message.MessageSend.Metadata(RawClient.nowMicros(), "text",
                        norc.wire.message.Atoms.Classification.UNCLASSIFIED), 1, new byte[32], new byte[16],
                java.util.Map.of(carol.deviceId, key, UUID.randomUUID(), key), new byte[64],
                java.util.Optional.empty(), java.util.Optional.empty());
        alice.send(send);
        assertThat(alice.receive()).isInstanceOf(norc.wire.message.MessageAck.class);
        assertThat(carol.receive()).isInstanceOf(norc.wire.message.MessageSend.class);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(contactsOf(aliceId)).contains(carolId).doesNotContain(bob);
            assertThat(contactsOf(carolId)).contains(aliceId).doesNotContain(bob);
        });
        assertThat(contactsOf(bob)).isEmpty();
        alice.close();
        carol.close();
    }

    private java.util.Set<String> contactsOf(String userId) throws Exception {
        return server.server.entities().user(userId)
                .<norc.server.user.api.UserReply.Contacts>ask(norc.server.user.api.UserCommand.GetContacts::new, java.time.Duration.ofSeconds(5))
                .toCompletableFuture().get(10, TimeUnit.SECONDS).users();
    }

    private RawClient registeredRaw(String local) throws Exception {
        return RawClient.registered(server, local + "@" + server.serverId());
    }
}
