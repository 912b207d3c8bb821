package norc.client;

import static norc.client.NorcClientTest.RANDOM;
import static norc.client.NorcClientTest.WAIT;
import static norc.client.NorcClientTest.assertFailsWith;
import static norc.client.NorcClientTest.await;
import static norc.client.NorcClientTest.text;
import static norc.client.NorcClientTest.textOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ReconnectingClient} against the in-memory {@link FakeServer} in store-and-forward mode:
 * connections dropped mid-send and mid-delivery, refusals with {@code retry_after}, endpoints in
 * turn, the backoff's bounds, closing. Waits on futures and event queues; the only real waits
 * are the backoff's (1–8 ms here) and the {@code retry_after} of 1 s in the refusal tests.
 */
class ReconnectingClientTest {
    /** Short delays, so that tests do not wait on the default 250 ms – 10 s. */
    static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(8));

    final FakeServer server = new FakeServer();
    final List<ReconnectingClient> sessions = new ArrayList<>();
    final UUID conversation = UUID.randomUUID();

    {
        server.storeAndForward = true;
    }

    @AfterEach
    void closeSessions() {
        sessions.forEach(ReconnectingClient::close);
    }

    /** A device's reconnecting session with its recorded events, and the endpoints its opener was asked for. */
    record Session(DeviceIdentity identity, ReconnectingClient client, Events events, List<URI> opened) {}

    @ParameterizedTest
    @EnumSource(FakeServer.Drop.class)
    void aSendWhoseConnectionDropsIsSentAgainWithTheSameIdAndBytes(FakeServer.Drop drop) throws Exception {
        Session alice = session("alice@fake.example");
        Session bob = session("bob@fake.example");

        server.dropOnNextSend.set(drop);
        SentMessage sent = await(alice.client().send(conversation, List.of("bob@fake.example"), text("one")));

        MessageSend first = RecordingListener.next(server.sends, "first message_send");
        MessageSend again = RecordingListener.next(server.sends, "the message_send sent again");
        assertThat(again.messageId()).isEqualTo(first.messageId()).isEqualTo(sent.messageId());
        assertThat(again.ciphertext()).isEqualTo(first.ciphertext());
        assertThat(again.e2eSequence()).isEqualTo(first.e2eSequence()).isZero();
        assertThat(again.senderSignature()).isEqualTo(first.senderSignature());
        assertThat(alice.client().reconnects()).isEqualTo(1);
        assertThat(alice.client().resends()).isEqualTo(1);
        assertThat(alice.events().disconnects).hasSize(1);
        assertThat(alice.events().reconnects).hasSize(1);

        // the chain moved past the message once: the next one continues it, and bob sees each once
        SentMessage second = await(alice.client().send(conversation, List.of("bob@fake.example"), text("two")));
        assertThat(second.e2eSequence()).isEqualTo(1);
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("one");
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("two");
        assertThat(bob.events().rejections).isEmpty();
        assertThat(RecordingListener.next(server.sends, "second message").messageId()).isEqualTo(second.messageId());
        assertThat(server.sends).isEmpty();
    }

    @Test
    void aRedeliveryAfterAReconnectIsAcknowledgedAndShownOnce() throws Exception {
        Session alice = session("alice@fake.example");
        Session bob = session("bob@fake.example");
        server.loseNextRecipientAcks.set(1); // bob's "delivered" for the first message never arrives

        SentMessage one = await(alice.client().send(conversation, List.of("bob@fake.example"), text("one")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("one");
        server.disconnect(bob.identity().deviceId());
        RecordingListener.next(bob.events().reconnects, "bob's reconnect");
        // the server offered "one" again on the new connection; bob acknowledged it and dropped it
        assertThat(RecordingListener.next(server.recipientAcks, "ack of the redelivery").messageId())
                .isEqualTo(one.messageId());

        await(alice.client().send(conversation, List.of("bob@fake.example"), text("two")));
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("two"); // not "one" again
        assertThat(bob.client().duplicatesDropped()).isEqualTo(1);
        assertThat(bob.events().rejections).isEmpty(); // the chain went on across the connections
    }

    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = {"UNAVAILABLE", "RATE_LIMITED"})
    void aRefusalWithRetryAfterIsSentAgainAfterThatDelay(ErrorCode code) throws Exception {
        Session alice = session("alice@fake.example");
        Session bob = session("bob@fake.example");
        server.refuseNextSend.set(new FakeServer.Refusal(code, 1));

        long started = System.nanoTime();
        SentMessage sent = await(alice.client().send(conversation, List.of("bob@fake.example"), text("later")));
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
        MessageSend first = RecordingListener.next(server.sends, "refused message_send");
        MessageSend again = RecordingListener.next(server.sends, "the message_send sent again");
        assertThat(again.messageId()).isEqualTo(first.messageId()).isEqualTo(sent.messageId());
        assertThat(again.ciphertext()).isEqualTo(first.ciphertext());
        assertThat(alice.client().reconnects()).isZero(); // on the same connection
        assertThat(textOf(bob.events().nextMessage())).isEqualTo("later");
    }

    @Test
    void aRefusalThatSendingAgainCannotChangeFailsTheSend() throws Exception {
        Session alice = session("alice@fake.example");
        session("bob@fake.example");
        server.refuseNextSend.set(new FakeServer.Refusal(ErrorCode.FORBIDDEN, 1));
        assertFailsWith(alice.client().send(conversation, List.of("bob@fake.example"), text("no")), ErrorCode.FORBIDDEN);
        assertThat(alice.client().resends()).isZero();
    }

    @Test
    void endpointsAreTriedInTurnFromTheOneAfterTheLostOne() throws Exception {
        DeviceIdentity alice = enrolled("alice@fake.example");
        URI a = URI.create("mem://a");
        URI b = URI.create("mem://b");
        URI c = URI.create("mem://c");
        List<URI> opened = new CopyOnWriteArrayList<>();
        SessionOpener fake = opener(alice);
        SessionOpener bDown = (endpoint, options) -> endpoint.equals(b)
                ? CompletableFuture.failedFuture(new java.io.IOException("connection refused"))
                : fake.open(endpoint, options);
        Events events = new Events();
        ReconnectingClient session = start(List.of(a, b, c), recording(bDown, opened), events, new RecordingRandom());
        await(session.connected());
        assertThat(session.endpoint()).isEqualTo(a);

        server.disconnect(alice.deviceId());
        Reconnected back = RecordingListener.next(events.reconnects, "reconnect");
        assertThat(opened).containsExactly(a, b, c);
        assertThat(back.endpoint()).isEqualTo(c);
        assertThat(back.outage()).isPositive();
        assertThat(events.disconnects).hasSize(1);
        assertThat(events.failedAttempts).containsExactly(b);
        assertThat(session.endpoint()).isEqualTo(c);

        server.disconnect(alice.deviceId());
        assertThat(RecordingListener.next(events.reconnects, "second reconnect").endpoint()).isEqualTo(a); // after c
        assertThat(session.reconnects()).isEqualTo(2);
    }

    @Test
    void theDelaysFollowTheBackoffWithFullJitterAndStartAgainAfterASuccess() throws Exception {
        DeviceIdentity alice = enrolled("alice@fake.example");
        URI only = URI.create("mem://only");
        SessionOpener fake = opener(alice);
        java.util.concurrent.atomic.AtomicInteger failuresLeft = new java.util.concurrent.atomic.AtomicInteger(4);
        SessionOpener flaky = (endpoint, options) -> failuresLeft.getAndDecrement() > 0
                ? CompletableFuture.failedFuture(new NorcException(ErrorCode.UNAVAILABLE, "node down"))
                : fake.open(endpoint, options);
        RecordingRandom random = new RecordingRandom();
        Events events = new Events();
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(4));
        ReconnectingClient session = ReconnectingClient.start(ReconnectingClient.Options.of(List.of(only), flaky)
                .withClient(NorcClient.Options.defaults().withListener(events))
                .withBackoff(backoff)
                .withRandom(random));
        sessions.add(session);
        await(session.connected()); // four failures, then a success, all before the first connection

        // the jitter was drawn from [0, min(cap, base × 2^n)]: 1, 2, 4, 4 ms (the last two capped)
        assertThat(random.bounds).containsExactly(nanos(1) + 1, nanos(2) + 1, nanos(4) + 1, nanos(4) + 1);
        assertThat(events.failedAttempts).hasSize(4);

        random.bounds.clear();
        server.disconnect(alice.deviceId());
        RecordingListener.next(events.reconnects, "reconnect");
        assertThat(random.bounds).containsExactly(nanos(1) + 1); // a new loss starts from the base again
    }

    @Test
    void anAuthenticationFailureStopsReconnectingAndFailsWhatWaits() throws Exception {
        Session alice = session("alice@fake.example");
        server.ignoreKeyRequests = true; // the next send waits in its key look-up
        CompletableFuture<SentMessage> waiting = alice.client().send(conversation, List.of("bob@fake.example"), text("x"));
        // the device disappears from the directory, so the next authentication fails
        server.forget(alice.identity());
        server.disconnect(alice.identity().deviceId());

        Throwable cause = alice.events().closed.get(WAIT, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOfSatisfying(NorcException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED));
        assertFailsWith(waiting, ErrorCode.UNAVAILABLE);
        await(alice.client().closeFuture());
        assertThat(alice.client().current()).isNull();
    }

    @Test
    void closingFailsPendingSendsAndDoesNotReconnect() throws Exception {
        Session alice = session("alice@fake.example");
        server.ignoreKeyRequests = true;
        CompletableFuture<SentMessage> waiting = alice.client().send(conversation, List.of("bob@fake.example"), text("x"));
        alice.client().close();
        assertFailsWith(waiting, ErrorCode.UNAVAILABLE);
        assertThat(alice.events().closed.get(WAIT, TimeUnit.SECONDS)).isNull();
        await(alice.client().closeFuture());
        assertThat(alice.opened()).hasSize(1);
        assertThat(alice.client().reconnects()).isZero();
        assertThat(alice.events().disconnects).isEmpty();
    }

    @Test
    void aFirstConnectionThatFailsIsNotRetriedWhenAskedSo() throws Exception {
        SessionOpener refused = (endpoint, options) -> CompletableFuture.failedFuture(new java.io.IOException("refused"));
        Events events = new Events();
        ReconnectingClient session = ReconnectingClient.start(ReconnectingClient.Options.of(
                        List.of(URI.create("mem://a")), refused)
                .withClient(NorcClient.Options.defaults().withListener(events))
                .withBackoff(FAST)
                .withRetryFirstConnection(false));
        sessions.add(session);
        assertThat(session.connected()).failsWithin(WAIT, TimeUnit.SECONDS);
        assertThat(events.closed.get(WAIT, TimeUnit.SECONDS)).isInstanceOf(java.io.IOException.class);
    }

    // ---- helpers --------------------------------------------------------------------------------

    Session session(String userId) throws Exception {
        DeviceIdentity identity = enrolled(userId);
        List<URI> opened = new CopyOnWriteArrayList<>();
        Events events = new Events();
        ReconnectingClient client = start(List.of(URI.create("mem://server")), recording(opener(identity), opened),
                events, RandomGenerator.of("L64X128MixRandom"));
        await(client.connected());
        return new Session(identity, client, events, opened);
    }

    ReconnectingClient start(List<URI> endpoints, SessionOpener opener, Events events, RandomGenerator random) {
        ReconnectingClient client = ReconnectingClient.start(ReconnectingClient.Options.of(endpoints, opener)
                .withClient(NorcClient.Options.defaults().withListener(events))
                .withBackoff(FAST)
                .withRandom(random));
        sessions.add(client);
        return client;
    }

    DeviceIdentity enrolled(String userId) {
        DeviceIdentity identity = DeviceIdentity.create(userId, "test device", RANDOM);
        server.enroll(identity);
        return identity;
    }

    /** Opens in-memory connections to the fake server, whatever the endpoint. */
    SessionOpener opener(DeviceIdentity identity) {
        return (endpoint, options) -> NorcClient.connect(server.connect(WireEncoding.BINARY), WireEncoding.BINARY, options)
                .thenCompose(client -> SessionOpener.authenticated(client, identity));
    }

    static SessionOpener recording(SessionOpener opener, List<URI> opened) {
        return (endpoint, options) -> {
            opened.add(endpoint);
            return opener.open(endpoint, options);
        };
    }

    static long nanos(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    record Reconnected(URI endpoint, Duration outage) {}

    /** {@link RecordingListener} plus the reconnect events. */
    static final class Events extends RecordingListener implements ReconnectListener {
        final BlockingQueue<Throwable> disconnects = new LinkedBlockingQueue<>();
        final BlockingQueue<Reconnected> reconnects = new LinkedBlockingQueue<>();
        final List<URI> failedAttempts = new CopyOnWriteArrayList<>();

        @Override
        public void onDisconnected(Throwable cause) {
            disconnects.add(cause == null ? new NorcException(ErrorCode.UNAVAILABLE, "closed normally") : cause);
        }

        @Override
        public void onConnectAttemptFailed(URI endpoint, Throwable cause, Duration nextDelay) {
            failedAttempts.add(endpoint);
        }

        @Override
        public void onReconnected(URI endpoint, Duration outage) {
            reconnects.add(new Reconnected(endpoint, outage));
        }
    }

    /** Always draws 0 (no waiting), and records each bound it was asked for. */
    static final class RecordingRandom implements RandomGenerator {
        final List<Long> bounds = new CopyOnWriteArrayList<>();

        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            bounds.add(bound);
            return 0;
        }
    }
}
