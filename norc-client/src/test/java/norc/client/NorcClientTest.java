package norc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.ClientHandshake;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.AuthResponse;
import norc.wire.message.ErrorMessage;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SDK against an in-memory {@link FakeServer}: handshake, registration, authentication, keys,
 * end-to-end messages between in-memory clients, and every way a message or request can fail.
 * Waits only on futures and event queues, never on time.
 */
class NorcClientTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final long WAIT = RecordingListener.WAIT_SECONDS;

    final FakeServer server = new FakeServer();
    final List<NorcClient> clients = new ArrayList<>();

    /** An authenticated device with its client and recorded events. */
    record Online(DeviceIdentity identity, NorcClient client, RecordingListener events) {
        UUID deviceId() {
            return identity.deviceId();
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(NorcClient::close);
    }

    // ---- handshake ------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void theHandshakeNegotiatesNativeVersionAndHybridSuiteAndExposesTheServerKey(WireEncoding encoding) throws Exception {
        NorcClient client = connect(encoding, NorcClient.Options.defaults());
        assertThat(client.state()).isEqualTo(NorcClient.State.CONNECTED);
        assertThat(client.version()).isEqualTo(new ProtocolVersion(2, 0));
        assertThat(client.suite()).isEqualTo(CipherSuite.S0101);
        assertThat(client.serverId()).isEqualTo("fake.example");
        assertThat(client.serverPublicKey()).isEqualTo(server.identity.publicKey());
    }

    @Test
    void aMatchingPinConnectsAndAnotherKeyIsRefused() throws Exception {
        connect(WireEncoding.BINARY, NorcClient.Options.defaults().withPinnedServerKey(server.identity.publicKey()));
        byte[] otherKey = Ed25519.generate(RANDOM).publicKey();
        CompletableFuture<NorcClient> refused = NorcClient.connect(server.connect(WireEncoding.BINARY), WireEncoding.BINARY,
                NorcClient.Options.defaults().withPinnedServerKey(otherKey));
        assertFailsWith(refused, ErrorCode.AUTHENTICATION_FAILED);
    }

    // ---- registration and authentication ------------------------------------------------------

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void aDeviceRegistersWithATokenThenAuthenticatesOnANewConnection(WireEncoding encoding) throws Exception {
        DeviceIdentity alice = DeviceIdentity.create("alice@fake.example", "laptop", RANDOM);
        NorcClient first = connect(encoding, NorcClient.Options.defaults());
        AuthResponse registered = await(first.register(alice, server.issueToken("alice@fake.example")));
        assertThat(registered.status()).isEqualTo(AuthStatus.REGISTERED);
        assertThat(registered.deviceId()).isEqualTo(alice.deviceId());
        assertThat(first.state()).isEqualTo(NorcClient.State.AUTHENTICATED);
        assertThat(server.isRegistered(alice.deviceId())).isTrue();
        first.close();

        NorcClient second = connect(encoding, NorcClient.Options.defaults());
        AuthResponse authenticated = await(second.authenticate(alice));
        assertThat(authenticated.status()).isEqualTo(AuthStatus.AUTHENTICATED);
        assertThat(second.identity()).isSameAs(alice);
    }

    @Test
    void anEnrollmentTokenWorksOnceAndTheRefusalCarriesItsCode() throws Exception {
        String token = server.issueToken("alice@fake.example");
        NorcClient first = connect(WireEncoding.BINARY, NorcClient.Options.defaults());
        await(first.register(DeviceIdentity.create("alice@fake.example", "one", RANDOM), token));

        NorcClient second = connect(WireEncoding.BINARY, NorcClient.Options.defaults());
        assertFailsWith(second.register(DeviceIdentity.create("alice@fake.example", "two", RANDOM), token),
                ErrorCode.REGISTRATION_REJECTED);
        assertThat(second.state()).isEqualTo(NorcClient.State.CONNECTED);
    }

    @Test
    void anUnknownDeviceCannotAuthenticate() throws Exception {
        NorcClient client = connect(WireEncoding.JSON, NorcClient.Options.defaults());
        assertFailsWith(client.authenticate(DeviceIdentity.create("mallory@fake.example", "x", RANDOM)),
                ErrorCode.AUTHENTICATION_FAILED);
    }

    @Test
    void callingInTheWrongStateIsAProgrammingError() throws Exception {
        NorcClient client = connect(WireEncoding.BINARY, NorcClient.Options.defaults());
        assertThatThrownBy(() -> client.send(UUID.randomUUID(), List.of("bob@fake.example"), new byte[1]))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> client.fetchKeys(List.of("bob@fake.example"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aLegacyOnlyClientGetsACompatibilitySessionAndStillExchangesMessages() throws Exception {
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        DeviceIdentity alice = DeviceIdentity.create("alice@fake.example", "old", RANDOM);
        server.enroll(alice);
        RecordingListener events = new RecordingListener();
        NorcClient legacy = connect(WireEncoding.BINARY, NorcClient.Options.defaults().withListener(events)
                .withOffer(new ClientHandshake.Offer(List.of("1.2"), List.of(CipherSuite.S0001), List.of("messaging"))));
        await(legacy.authenticate(alice));
        assertThat(legacy.version()).isEqualTo(new ProtocolVersion(1, 2));

        await(legacy.send(UUID.randomUUID(), List.of("bob@fake.example"), text("from 1.2")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("from 1.2");
    }

    // ---- keys -------------------------------------------------------------------------------------

    @Test
    void fetchKeysListsEveryDeviceAndAnswersUnknownUsersWithAnEmptyEntry() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        DeviceIdentity bobPhone = DeviceIdentity.create("bob@fake.example", "phone", RANDOM);
        DeviceIdentity bobLaptop = DeviceIdentity.create("bob@fake.example", "laptop", RANDOM);
        server.enroll(bobPhone);
        server.enroll(bobLaptop);

        Map<String, Map<UUID, KeyResponse.DeviceKey>> keys =
                await(alice.client().fetchKeys(List.of("bob@fake.example", "nobody@fake.example")));
        assertThat(keys.get("bob@fake.example")).containsOnlyKeys(bobPhone.deviceId(), bobLaptop.deviceId());
        assertThat(keys.get("bob@fake.example").get(bobPhone.deviceId()).kexPublicKey()).isEqualTo(bobPhone.kexPublicKey());
        assertThat(keys.get("nobody@fake.example")).isEmpty();
    }

    // ---- messages ---------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void aMessageArrivesDecryptedAndIsAcknowledgedToTheSender(WireEncoding encoding) throws Exception {
        Online alice = online("alice@fake.example", encoding);
        Online bob = online("bob@fake.example", encoding == WireEncoding.BINARY ? WireEncoding.JSON : WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();

        SentMessage sent = await(alice.client().send(conversation, List.of("bob@fake.example"), text("hello bob")));
        assertThat(sent.e2eSequence()).isZero();
        assertThat(sent.deviceCount()).isEqualTo(1);

        ReceivedMessage received = bob.events().nextMessage();
        assertThat(textOf(received)).isEqualTo("hello bob");
        assertThat(received.messageId()).isEqualTo(sent.messageId());
        assertThat(received.conversationId()).isEqualTo(conversation);
        assertThat(received.senderUserId()).isEqualTo("alice@fake.example");
        assertThat(received.senderDeviceId()).isEqualTo(alice.deviceId());
        assertThat(received.metadata().messageType()).isEqualTo("text");
        assertThat(received.toString()).doesNotContain("hello", "alice", "bob");

        MessageAck ack = RecordingListener.next(server.recipientAcks, "recipient ack");
        assertThat(ack.messageId()).isEqualTo(sent.messageId());
        assertThat(ack.status()).isEqualTo(AckStatus.DELIVERED);
        Receipt receipt = alice.events().nextReceipt();
        assertThat(receipt.status()).isEqualTo(AckStatus.DELIVERED);
        assertThat(receipt.deviceId()).contains(bob.deviceId());
    }

    @Test
    void theSendersOtherDevicesGetACopy() throws Exception {
        DeviceIdentity laptop = DeviceIdentity.create("alice@fake.example", "laptop", RANDOM);
        DeviceIdentity phone = DeviceIdentity.create("alice@fake.example", "phone", RANDOM);
        Online aliceLaptop = onlineAs(laptop, WireEncoding.BINARY);
        Online alicePhone = onlineAs(phone, WireEncoding.JSON);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);

        SentMessage sent = await(aliceLaptop.client().send(UUID.randomUUID(), List.of("bob@fake.example"), text("hi")));
        assertThat(sent.deviceCount()).isEqualTo(2);
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("hi");
        ReceivedMessage copy = alicePhone.events().nextMessage();
        assertThat(textOf(copy)).isEqualTo("hi");
        assertThat(copy.senderDeviceId()).isEqualTo(laptop.deviceId());
        assertThat(copy.recipients()).contains("bob@fake.example", "alice@fake.example");
    }

    @Test
    void aMessageWaitsWhileItsSendersKeysCannotBeFetchedAndTheChainHolds() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        await(alice.client().fetchKeys(List.of("bob@fake.example", "alice@fake.example"))); // cached: alice's sends look nothing up
        server.unavailableKeyRequests.set(2); // bob's lookups of alice's keys: two outage answers
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("first")));
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("second")));
        // rejecting the first (no key yet) would have left a gap that broke the chain for the second
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("first");
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("second");
        assertThat(bob.events().rejections).isEmpty();
        assertThat(server.unavailableKeyRequests.get()).isZero();
    }

    @Test
    void aDuplicateDeliveryIsAcknowledgedAgainButHandedOverOnce() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        server.copies = 2;
        SentMessage first = await(alice.client().send(conversation, List.of("bob@fake.example"), text("once")));
        assertThat(RecordingListener.next(server.recipientAcks, "ack").messageId()).isEqualTo(first.messageId());
        assertThat(RecordingListener.next(server.recipientAcks, "ack").messageId()).isEqualTo(first.messageId());

        server.copies = 1;
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("twice?")));
        // events are ordered: had the copy been handed over, it would come before the second message
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("once");
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("twice?");
        assertThat(bob.events().rejections).isEmpty();
    }

    @Test
    void aTamperedEnvelopeIsRejectedAndNotAcknowledged() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        server.relayHook = m -> withCiphertext(m, flipFirstBit(m.ciphertext()));
        SentMessage tampered = await(alice.client().send(conversation, List.of("bob@fake.example"), text("secret")));

        RecordingListener.Rejection rejection = bob.events().nextRejection();
        assertThat(rejection.messageId()).isEqualTo(tampered.messageId());
        assertThat(rejection.reason()).isEqualTo(ErrorCode.INVALID_SIGNATURE);

        server.relayHook = m -> m;
        SentMessage genuine = await(alice.client().send(conversation, List.of("bob@fake.example"), text("genuine")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("genuine");
        // the first ack the server ever got is for the genuine message
        assertThat(RecordingListener.next(server.recipientAcks, "ack").messageId()).isEqualTo(genuine.messageId());
        assertThat(bob.events().messages).isEmpty();
    }

    @Test
    void aWrappedKeyForSomeoneElseFailsToDecrypt() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        server.relayHook = m -> {
            Map.Entry<UUID, MessageSend.WrappedKey> entry = m.keys().entrySet().iterator().next();
            byte[] wrapped = flipFirstBit(entry.getValue().wrappedKey());
            return new MessageSend(m.messageId(), m.conversationId(), m.recipients(), m.metadata(), m.e2eSequence(),
                    m.e2ePrevHash(), m.ciphertext(), Map.of(entry.getKey(),
                    new MessageSend.WrappedKey(entry.getValue().ephemeralPublicKey(), wrapped)), m.senderSignature(),
                    m.senderUserId(), m.senderDeviceId());
        };
        SentMessage sent = await(alice.client().send(UUID.randomUUID(), List.of("bob@fake.example"), text("x")));
        RecordingListener.Rejection rejection = bob.events().nextRejection();
        assertThat(rejection.messageId()).isEqualTo(sent.messageId());
        assertThat(rejection.reason()).isEqualTo(ErrorCode.DECRYPT_FAILED);
    }

    @Test
    void aGapInTheSendersChainIsRejected() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("1")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("1");
        server.dropNextRelays.set(1);
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("2, lost")));
        SentMessage third = await(alice.client().send(conversation, List.of("bob@fake.example"), text("3")));

        RecordingListener.Rejection rejection = bob.events().nextRejection();
        assertThat(rejection.messageId()).isEqualTo(third.messageId());
        assertThat(rejection.reason()).isEqualTo(ErrorCode.CHAIN_MISMATCH);
    }

    @Test
    void aServerErrorFailsTheSendWithItsCodeAndLeavesTheChainIntact() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.JSON);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("1")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("1");

        server.errorForNextSend.set(ErrorCode.RATE_LIMITED);
        assertFailsWith(alice.client().send(conversation, List.of("bob@fake.example"), text("refused")),
                ErrorCode.RATE_LIMITED);

        SentMessage next = await(alice.client().send(conversation, List.of("bob@fake.example"), text("2")));
        assertThat(next.e2eSequence()).isEqualTo(1);
        ReceivedMessage received = bob.events().nextMessage();
        assertThat(textOf(received)).isEqualTo("2");
        assertThat(received.e2eSequence()).isEqualTo(1);
        assertThat(bob.events().rejections).isEmpty();
    }

    @Test
    void aSealedMessageIsSentAgainUnchangedAndNotOnceTheChainMovedOn() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        SealedMessage sealed = await(alice.client().seal(conversation, List.of("bob@fake.example"), text("one"),
                NorcClient.SendOptions.DEFAULT));
        assertThat(sealed.e2eSequence()).isZero();
        assertThat(server.fromClients).noneMatch(m -> m instanceof MessageSend); // sealing sends nothing

        SentMessage sent = await(alice.client().send(sealed));
        assertThat(sent.messageId()).isEqualTo(sealed.messageId());
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("one");
        // accepted already: the chain moved past it, so sending it again completes without a frame
        assertThat(await(alice.client().send(sealed))).isEqualTo(sent);
        assertThat(server.fromClients.stream().filter(m -> m instanceof MessageSend).count()).isEqualTo(1);

        SealedMessage stale = await(alice.client().seal(conversation, List.of("bob@fake.example"), text("stale"),
                NorcClient.SendOptions.DEFAULT));
        await(alice.client().send(conversation, List.of("bob@fake.example"), text("two")));
        assertFailsWith(alice.client().send(stale), ErrorCode.CHAIN_MISMATCH); // it no longer continues the chain
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("two");
        assertThat(bob.events().rejections).isEmpty();
    }

    @Test
    void aServerErrorCarriesItsRetryAfter() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        online("bob@fake.example", WireEncoding.BINARY);
        server.refuseNextSend.set(new FakeServer.Refusal(ErrorCode.RATE_LIMITED, 7));
        CompletableFuture<SentMessage> refused = alice.client().send(UUID.randomUUID(), List.of("bob@fake.example"), text("x"));
        assertFailsWith(refused, ErrorCode.RATE_LIMITED);
        Throwable failure = refused.handle((ok, error) -> error).get(WAIT, TimeUnit.SECONDS);
        assertThat(ServerError.of(failure)).hasValueSatisfying(error -> {
            assertThat(error.code()).isEqualTo(6001);
            assertThat(error.retryAfter()).contains(java.time.Duration.ofSeconds(7));
        });
    }

    @Test
    void aFailedAckFailsTheSendWithItsCode() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        online("bob@fake.example", WireEncoding.BINARY);
        server.failNextSend.set(ErrorCode.CLASSIFICATION_NOT_PERMITTED);
        assertFailsWith(alice.client().send(UUID.randomUUID(), List.of("bob@fake.example"), text("x")),
                ErrorCode.CLASSIFICATION_NOT_PERMITTED);
    }

    @Test
    void aRecipientWithoutDevicesIsRefusedBeforeAnythingIsSent() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        assertFailsWith(alice.client().send(UUID.randomUUID(), List.of("nobody@fake.example"), text("x")),
                ErrorCode.FORBIDDEN);
        assertThat(server.fromClients).noneMatch(m -> m instanceof MessageSend);
    }

    @Test
    void sendsFromManyThreadsIntoOneConversationKeepTheChain() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        Online bob = online("bob@fake.example", WireEncoding.BINARY);
        UUID conversation = UUID.randomUUID();
        UUID elsewhere = UUID.randomUUID();
        int threads = 4;
        int perThread = 10;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<SentMessage>> sends = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int worker = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    UUID target = i % 2 == 0 ? conversation : elsewhere;
                    CompletableFuture<SentMessage> f = alice.client().send(target, List.of("bob@fake.example"),
                            text(worker + "/" + i));
                    synchronized (sends) {
                        sends.add(f);
                    }
                }
            });
            workers.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : workers) {
            thread.join(TimeUnit.SECONDS.toMillis(WAIT));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(WAIT, TimeUnit.SECONDS);

        Set<String> texts = new HashSet<>();
        Map<UUID, Long> nextSequence = new java.util.HashMap<>();
        for (int i = 0; i < threads * perThread; i++) {
            ReceivedMessage m = bob.events().nextMessage();
            texts.add(textOf(m));
            long expected = nextSequence.getOrDefault(m.conversationId(), 0L);
            assertThat(m.e2eSequence()).isEqualTo(expected);
            nextSequence.put(m.conversationId(), expected + 1);
        }
        assertThat(texts).hasSize(threads * perThread);
        assertThat(bob.events().rejections).isEmpty();
    }

    // ---- devices, time, presence, errors, closing ------------------------------------------------

    @Test
    void revokingADeviceRemovesItFromTheDirectory() throws Exception {
        DeviceIdentity laptop = DeviceIdentity.create("alice@fake.example", "laptop", RANDOM);
        DeviceIdentity oldPhone = DeviceIdentity.create("alice@fake.example", "old phone", RANDOM);
        server.enroll(oldPhone);
        Online alice = onlineAs(laptop, WireEncoding.BINARY);

        await(alice.client().revokeDevice(oldPhone.deviceId(), RevocationReason.LOST));
        Map<UUID, KeyResponse.DeviceKey> left = await(alice.client().fetchKeys(List.of("alice@fake.example")))
                .get("alice@fake.example");
        assertThat(left).containsOnlyKeys(laptop.deviceId());
    }

    @Test
    void timeSyncAcceptsTheServersSignedAnswer() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.JSON);
        TimeSyncResult result = await(alice.client().timeSync());
        assertThat(result.serverUncertaintyMicros()).isEqualTo(1_000);
        assertThat(result.roundTripMicros()).isNotNegative();
    }

    @Test
    void presenceIsPublishedAndRelayedPresenceReachesTheListener() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        await(alice.client().presence(PresenceStatus.AWAY, "lunch"));
        PresenceUpdate sent = (PresenceUpdate) nextOfType(PresenceUpdate.class);
        assertThat(sent.status()).isEqualTo(PresenceStatus.AWAY);
        assertThat(sent.statusMessage()).contains("lunch");

        server.push(alice.deviceId(), new PresenceUpdate(PresenceStatus.BUSY, Optional.empty(), List.of(), 1,
                Optional.of("bob@fake.example")));
        PresenceUpdate relayed = RecordingListener.next(alice.events().presence, "presence");
        assertThat(relayed.userId()).contains("bob@fake.example");
    }

    @Test
    void anErrorThatAnswersNoRequestGoesToTheListener() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        server.push(alice.deviceId(), ErrorMessage.of(ErrorCode.RATE_LIMITED, 30));
        NorcException error = RecordingListener.next(alice.events().errors, "error");
        assertThat(error.code()).isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void aLostConnectionFailsPendingRequestsWithUnavailable() throws Exception {
        Online alice = online("alice@fake.example", WireEncoding.BINARY);
        server.ignoreKeyRequests = true;
        CompletableFuture<?> pending = alice.client().fetchKeys(List.of("bob@fake.example"));
        nextOfType(norc.wire.message.KeyRequest.class); // the server has it, and will not answer
        server.disconnect(alice.deviceId());

        assertFailsWith(pending, ErrorCode.UNAVAILABLE);
        assertThat(alice.events().closed.get(WAIT, TimeUnit.SECONDS)).isNull();
        assertThat(alice.client().state()).isEqualTo(NorcClient.State.CLOSED);
        await(alice.client().closeFuture());
    }

    // ---- helpers --------------------------------------------------------------------------------

    NorcClient connect(WireEncoding encoding, NorcClient.Options options) throws Exception {
        NorcClient client = await(NorcClient.connect(server.connect(encoding), encoding, options));
        clients.add(client);
        return client;
    }

    Online online(String userId, WireEncoding encoding) throws Exception {
        return onlineAs(DeviceIdentity.create(userId, "test device", RANDOM), encoding);
    }

    Online onlineAs(DeviceIdentity identity, WireEncoding encoding) throws Exception {
        server.enroll(identity);
        RecordingListener events = new RecordingListener();
        NorcClient client = connect(encoding, NorcClient.Options.defaults().withListener(events));
        await(client.authenticate(identity));
        return new Online(identity, client, events);
    }

    NorcMessage nextOfType(Class<? extends NorcMessage> type) {
        while (true) {
            NorcMessage message = RecordingListener.next(server.fromClients, type.getSimpleName());
            if (type.isInstance(message)) {
                return message;
            }
        }
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT, TimeUnit.SECONDS);
    }

    static void assertFailsWith(CompletableFuture<?> future, ErrorCode code) {
        assertThatThrownBy(() -> future.get(WAIT, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    static byte[] text(String text) {
        return new TextContent(text, 1).encode();
    }

    static String textOf(ReceivedMessage message) {
        return TextContent.decode(message.content()).map(TextContent::text)
                .orElse(new String(message.content(), StandardCharsets.UTF_8));
    }

    static byte[] flipFirstBit(byte[] data) {
        byte[] copy = data.clone();
        copy[0] ^= 1;
        return copy;
    }

    static MessageSend withCiphertext(MessageSend m, byte[] ciphertext) {
        return new MessageSend(m.messageId(), m.conversationId(), m.recipients(), m.metadata(), m.e2eSequence(),
                m.e2ePrevHash(), ciphertext, m.keys(), m.senderSignature(), m.senderUserId(), m.senderDeviceId());
    }
}
