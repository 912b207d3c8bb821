package norc.load.engine;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import norc.client.ChainStore;
import norc.client.ConversationIds;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceiveHistory;
import norc.client.ReceivedMessage;
import norc.client.ReconnectListener;
import norc.client.ReconnectingClient;
import norc.client.SentMessage;
import norc.client.TextContent;
import norc.error.ErrorCode;
import norc.load.net.NettyTransport;

/**
 * One simulated device: its identity, the endpoints it uses (its own first, then the others in
 * turn), and its session: one {@link NorcClient} (without {@code --reconnect}; churn replaces it)
 * or one {@link ReconnectingClient} that outlives its connections. Its chains and receive history
 * are kept across connections and sessions. In {@code chat} it has a peer and a conversation,
 * numbers its messages, and checks what it receives in its {@link DeliveryLedger}. It is the
 * client's listener: received messages give the end-to-end latency from the {@code sent_at}
 * inside the decrypted content; nothing of the content is kept.
 *
 * <p>Locking: its own lock only changes state and hands out references; clients are closed and
 * called outside it, because their listeners (this session's) take it from their threads.
 */
public final class LoadSession {
    private enum State { IDLE, OPENING, UP, CLOSING }

    final int index;
    final DeviceIdentity identity;
    /** this device's endpoints: its own first, then the others in turn */
    final List<URI> endpoints;
    /** this device's outgoing conversation chains, kept across reconnects */
    final ChainStore chains = ChainStore.inMemory();
    /** what this device accepted, kept across reconnects: redeliveries are dropped, not shown again */
    final ReceiveHistory history = ReceiveHistory.create();
    final DeliveryLedger ledger = new DeliveryLedger();
    private final Metrics metrics;

    private State state = State.IDLE;
    private NorcClient client;
    private ReconnectingClient reconnecting;
    private NettyTransport transport;
    /** UP and its current connection authenticated (false while reconnecting) */
    private boolean connected;
    private boolean droppedByUs;
    private int generation;
    private boolean endedWhileOpening;
    /** the one-time token still to be used, or null once registered (or when authenticating) */
    volatile String enrollmentToken;
    volatile boolean registered;

    // chat
    LoadSession peer;
    UUID conversation;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong sendsAttempted = new AtomicLong();
    ScheduledFuture<?> sender;

    public LoadSession(int index, DeviceIdentity identity, List<URI> endpoints, Metrics metrics) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a session needs an endpoint");
        }
        this.index = index;
        this.identity = identity;
        this.endpoints = List.copyOf(endpoints);
        this.metrics = metrics;
    }

    /** The endpoint this device connects to first. */
    public URI endpoint() {
        return endpoints.get(0);
    }

    /** Starts a new session attempt; returns its listener, or null if one is open already. */
    synchronized Link beginOpening() {
        if (state != State.IDLE) {
            return null;
        }
        state = State.OPENING;
        endedWhileOpening = false;
        return new Link(++generation);
    }

    synchronized void attach(NorcClient value) {
        client = value;
    }

    synchronized void attach(ReconnectingClient value) {
        reconnecting = value;
    }

    /** The connection now carrying the session (for {@link #dropConnection}). */
    synchronized void connectedOver(NettyTransport value) {
        transport = value;
    }

    /** The session is authenticated; false if it already ended meanwhile. */
    synchronized boolean markUp() {
        if (state != State.OPENING || endedWhileOpening) {
            return false;
        }
        state = State.UP;
        connected = true;
        metrics.sessionUp();
        return true;
    }

    /** Setup failed: back to idle, closing whatever was opened. */
    void markFailed() {
        AutoCloseable opened;
        synchronized (this) {
            opened = reconnecting != null ? reconnecting : client;
            client = null;
            reconnecting = null;
            transport = null;
            state = State.IDLE;
        }
        closeQuietly(opened);
    }

    /** Closes on purpose; returns the session's close future, or null if not up. */
    public CompletableFuture<Void> closeIfUp() {
        AutoCloseable open;
        CompletableFuture<Void> closing;
        synchronized (this) {
            if (state != State.UP) {
                return null;
            }
            state = State.CLOSING;
            open = reconnecting != null ? reconnecting : client;
            closing = reconnecting != null ? reconnecting.closeFuture() : client.closeFuture();
        }
        closeQuietly(open);
        return closing;
    }

    /**
     * Cuts the current connection abruptly ({@code --drop}), as a crash or the network would;
     * false if the session has no authenticated connection now.
     */
    public boolean dropConnection() {
        NettyTransport cut;
        synchronized (this) {
            if (state != State.UP || !connected || transport == null) {
                return false;
            }
            droppedByUs = true;
            cut = transport;
        }
        cut.abort();
        return true;
    }

    /**
     * Sends through the session: accepted, or failed for good, or failed because the session is
     * closed; {@code null} when it is not up.
     */
    CompletableFuture<SentMessage> send(List<String> recipients, byte[] content) {
        NorcClient plain;
        ReconnectingClient session;
        synchronized (this) {
            if (state != State.UP) {
                return null;
            }
            plain = client;
            session = reconnecting;
        }
        return session != null ? session.send(conversation, recipients, content)
                : plain.send(conversation, recipients, content);
    }

    /** Sealed messages its current reconnecting session sent again (0 without {@code --reconnect}). */
    public synchronized long resends() {
        return reconnecting == null ? 0 : reconnecting.resends();
    }

    public String userId() {
        return identity.userId();
    }

    /** This device's user index in the run. */
    public int index() {
        return index;
    }

    /** A one-time enrollment token: the next {@code open} registers with it. */
    public void useEnrollmentToken(String token) {
        enrollmentToken = token;
    }

    /** Makes these two devices chat with each other, in their default conversation. */
    public static void pair(LoadSession a, LoadSession b) {
        UUID conversation = ConversationIds.forParticipants(List.of(a.userId(), b.userId()));
        a.peer = b;
        b.peer = a;
        a.conversation = conversation;
        b.conversation = conversation;
    }

    /** Messages sent and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Messages accepted for this device that it has not received yet. */
    public int outstanding() {
        return ledger.outstanding();
    }

    /** The queue figures of what this device received. */
    public QueueTally queueTally() {
        return ledger.tally(history.duplicatesDropped());
    }

    public synchronized boolean isUp() {
        return state == State.UP;
    }

    /** The session's end: a plain client's connection, or a reconnecting session that stopped. */
    private void closed(int linkGeneration, Throwable cause) {
        synchronized (this) {
            if (linkGeneration != generation) {
                return; // an earlier session of this device
            }
            switch (state) {
                case UP -> {
                    if (connected) {
                        metrics.sessionDown();
                    }
                    metrics.increment(Counter.SESSIONS_LOST);
                    metrics.error("session_lost " + (cause == null ? "normal_close" : ErrorLabels.of(cause)));
                }
                case CLOSING -> {
                    if (connected) {
                        metrics.sessionDown();
                    }
                }
                case OPENING -> {
                    endedWhileOpening = true; // counted where the setup fails
                    return;
                }
                case IDLE -> {
                    return;
                }
            }
            state = State.IDLE;
            client = null;
            reconnecting = null;
            transport = null;
            connected = false;
        }
    }

    private synchronized void connectionLost(int linkGeneration, Throwable cause) {
        if (linkGeneration != generation || state != State.UP) {
            return;
        }
        if (connected) {
            connected = false;
            metrics.sessionDown();
        }
        transport = null;
        metrics.increment(Counter.CONNECTIONS_LOST);
        if (!droppedByUs) {
            metrics.error("connection_lost " + (cause == null ? "normal_close" : ErrorLabels.of(cause)));
        }
        droppedByUs = false;
    }

    private synchronized void reconnected(int linkGeneration, Duration outage) {
        if (linkGeneration != generation || state != State.UP || connected) {
            return;
        }
        connected = true;
        metrics.sessionUp();
        metrics.increment(Counter.RECONNECTS);
        metrics.recordNanos(Metric.RECONNECT, outage.toNanos());
    }

    /** The listener of one session of this device (a plain client's, or a reconnecting session's). */
    final class Link implements ReconnectListener {
        private final int linkGeneration;

        Link(int linkGeneration) {
            this.linkGeneration = linkGeneration;
        }

        @Override
        public void onClosed(Throwable cause) {
            closed(linkGeneration, cause);
        }

        @Override
        public void onDisconnected(Throwable cause) {
            connectionLost(linkGeneration, cause);
        }

        @Override
        public void onConnectAttemptFailed(URI endpoint, Throwable cause, Duration nextDelay) {
            metrics.error("reconnect_attempt_failed " + ErrorLabels.of(cause));
        }

        @Override
        public void onReconnected(URI endpoint, Duration outage) {
            reconnected(linkGeneration, outage);
        }

        @Override
        public void onMessage(ReceivedMessage message) {
            metrics.increment(Counter.MESSAGES_RECEIVED);
            TextContent content = TextContent.decode(message.content()).orElse(null);
            if (content != null) {
                long latency = nowMicros() - content.sentAtMicros();
                if (latency >= 0) {
                    metrics.recordMicros(Metric.END_TO_END, latency);
                }
            }
            LoadSession from = peer;
            if (from != null) {
                boolean fromPeer = message.senderUserId().equals(from.userId()) && content != null;
                long sequence = fromPeer ? ChatText.sequence(content.text(), from.index).orElse(-1) : -1;
                ledger.received(message.messageId(), sequence, from.sendsAttempted.get());
            }
        }

        @Override
        public void onRejected(UUID messageId, ErrorCode reason) {
            metrics.increment(Counter.MESSAGES_REJECTED);
            metrics.error("message_rejected " + reason.code() + " " + reason.atom());
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is best effort; the listener hears the end
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Override
    public String toString() {
        return "LoadSession[" + index + "]";
    }
}
