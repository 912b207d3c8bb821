package norc.load.engine;

import java.net.URI;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import norc.client.ChainStore;
import java.util.List;
import norc.client.ClientListener;
import norc.client.ConversationIds;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.TextContent;
import norc.error.ErrorCode;

/**
 * One simulated device: its identity, the endpoint it uses, its current {@link NorcClient} (one
 * connection at a time; churn replaces it) and, in {@code chat}, its peer and conversation. It is
 * the client's listener: received messages give the end-to-end latency from the {@code sent_at}
 * inside the decrypted content; nothing of the content is kept.
 */
public final class LoadSession {
    private enum State { IDLE, OPENING, UP, CLOSING }

    final int index;
    final DeviceIdentity identity;
    final URI endpoint;
    /** this device's outgoing conversation chains, kept across reconnects */
    final ChainStore chains = ChainStore.inMemory();
    private final Metrics metrics;

    private State state = State.IDLE;
    private NorcClient client;
    private int generation;
    private boolean endedWhileOpening;
    /** the one-time token still to be used, or null once registered (or when authenticating) */
    volatile String enrollmentToken;
    volatile boolean registered;

    // chat
    LoadSession peer;
    UUID conversation;
    final AtomicInteger inFlight = new AtomicInteger();
    ScheduledFuture<?> sender;

    public LoadSession(int index, DeviceIdentity identity, URI endpoint, Metrics metrics) {
        this.index = index;
        this.identity = identity;
        this.endpoint = endpoint;
        this.metrics = metrics;
    }

    /** Starts a new connection attempt; returns its listener, or null if one is open already. */
    synchronized ClientListener beginOpening() {
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

    /** The session is authenticated; false if the connection already ended meanwhile. */
    synchronized boolean markUp() {
        if (state != State.OPENING || endedWhileOpening) {
            return false;
        }
        state = State.UP;
        metrics.sessionUp();
        return true;
    }

    /** Setup failed: back to idle, closing whatever was opened. */
    synchronized void markFailed() {
        NorcClient c = client;
        client = null;
        state = State.IDLE;
        if (c != null) {
            c.close();
        }
    }

    /** Closes on purpose; returns the client's close future, or null if not up. */
    public synchronized java.util.concurrent.CompletableFuture<Void> closeIfUp() {
        if (state != State.UP) {
            return null;
        }
        state = State.CLOSING;
        NorcClient c = client;
        c.close();
        return c.closeFuture();
    }

    public String userId() {
        return identity.userId();
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

    public synchronized boolean isUp() {
        return state == State.UP;
    }

    synchronized NorcClient clientIfUp() {
        return state == State.UP ? client : null;
    }

    private synchronized void closed(int linkGeneration, Throwable cause) {
        if (linkGeneration != generation) {
            return; // an earlier connection of this device
        }
        switch (state) {
            case UP -> {
                metrics.sessionDown();
                metrics.increment(Counter.SESSIONS_LOST);
                metrics.error("session_lost " + (cause == null ? "normal_close" : ErrorLabels.of(cause)));
            }
            case CLOSING -> metrics.sessionDown();
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
    }

    /** The listener of one connection of this device. */
    private final class Link implements ClientListener {
        private final int linkGeneration;

        Link(int linkGeneration) {
            this.linkGeneration = linkGeneration;
        }

        @Override
        public void onClosed(Throwable cause) {
            closed(linkGeneration, cause);
        }

        @Override
        public void onMessage(ReceivedMessage message) {
            metrics.increment(Counter.MESSAGES_RECEIVED);
            TextContent.decode(message.content()).ifPresent(content -> {
                long latency = nowMicros() - content.sentAtMicros();
                if (latency >= 0) {
                    metrics.recordMicros(Metric.END_TO_END, latency);
                }
            });
        }

        @Override
        public void onRejected(UUID messageId, ErrorCode reason) {
            metrics.increment(Counter.MESSAGES_REJECTED);
            metrics.error("message_rejected " + reason.code() + " " + reason.atom());
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
