package norc.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.PresenceUpdate;

/**
 * A device's session that outlives its connections (spec §9.2 "automatic reconnection with
 * exponential backoff"): one {@link NorcClient} at a time, authenticated through a
 * {@link SessionOpener}; when that connection closes or fails, and not through {@link #close},
 * it connects again with {@link Backoff} (full jitter), trying the endpoints in turn from the one
 * after the lost one, until it succeeds, a failure cannot heal (an authentication, protocol or
 * crypto error, such as {@code DEVICE_REVOKED} or a server key that differs from the pin), or
 * the session is closed.
 *
 * <p>Nothing is lost on the way, as long as this process lives:
 * <ul>
 *   <li><b>Sending.</b> {@link #send} seals a message once ({@link NorcClient#seal}) and sends
 *       that {@link SealedMessage}, again if need be, until the server accepts it: a send that
 *       failed because the connection ended, or that the server answered {@code 9002
 *       unavailable}, goes again on the next connection (or after {@code retry_after}) with the
 *       same {@code message_id} and the same bytes; the server's inboxes store a message id once,
 *       so a copy that had been stored before the connection went is not stored twice. A {@code
 *       6001 rate_limited} with {@code retry_after} waits that long and sends again. Messages of
 *       one conversation go one after another across connections, so the chain has no gap.</li>
 *   <li><b>Receiving.</b> Every connection shares one {@link ReceiveHistory}: after a reconnect
 *       the server offers again what this device had not acknowledged, and copies the application
 *       was already shown are acknowledged and dropped ({@link #duplicatesDropped}); the senders'
 *       chains go on where they stood.</li>
 * </ul>
 *
 * <p>Threading: public methods are thread-safe and never block. The application's listener (the
 * one in {@link Options#client}; a {@link ReconnectListener} also hears about losses and
 * reconnects) is called one call at a time. Nothing here logs.
 */
public final class ReconnectingClient implements AutoCloseable {

    /**
     * How the session connects.
     *
     * @param endpoints NORC-C addresses, tried in turn; the first connection goes to the first
     * @param opener opens one authenticated connection ({@link SessionOpener#webSocket})
     * @param client the options of every connection: its listener is the application's; its
     *     chain store and receive history (a fresh one if {@code null}) are shared by all
     *     connections; {@code null} executor = a daemon pool owned by this session
     * @param backoff the delays between attempts
     * @param retryFirstConnection whether a failed first connection is retried like a reconnect
     *     ({@code false}: {@link #connected()} fails with the first attempt's error, and the
     *     session is closed)
     * @param random the jitter's source
     */
    public record Options(List<URI> endpoints, SessionOpener opener, NorcClient.Options client, Backoff backoff,
                          boolean retryFirstConnection, RandomGenerator random) {
        public Options {
            endpoints = List.copyOf(endpoints);
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("give at least one endpoint");
            }
            Objects.requireNonNull(opener, "opener");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(random, "random");
        }

        /** {@link NorcClient.Options#defaults()}, {@link Backoff#DEFAULT}, the first connection retried. */
        public static Options of(List<URI> endpoints, SessionOpener opener) {
            return new Options(endpoints, opener, NorcClient.Options.defaults(), Backoff.DEFAULT, true,
                    new SplittableRandom());
        }

        public Options withClient(NorcClient.Options value) {
            return new Options(endpoints, opener, value, backoff, retryFirstConnection, random);
        }

        public Options withBackoff(Backoff value) {
            return new Options(endpoints, opener, client, value, retryFirstConnection, random);
        }

        public Options withRetryFirstConnection(boolean value) {
            return new Options(endpoints, opener, client, backoff, value, random);
        }

        public Options withRandom(RandomGenerator value) {
            return new Options(endpoints, opener, client, backoff, retryFirstConnection, value);
        }
    }

    private final Options options;
    private final ClientListener application;
    private final NorcClient.Options connectionOptions;
    private final ReceiveHistory history;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final Object listenerLock = new Object();
    private final ConversationQueue conversations = new ConversationQueue();
    private final CompletableFuture<ReconnectingClient> firstConnection = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong resends = new AtomicLong();

    // guarded by this
    private Connection active;
    private CompletableFuture<NorcClient> next = new CompletableFuture<>();
    private int lastEndpoint;
    private int attempt;
    private long lostAtNanos;
    private boolean everConnected;
    private boolean closing;

    private ReconnectingClient(Options options) {
        this.options = options;
        this.application = options.client().listener();
        this.history = options.client().receiveHistory() != null ? options.client().receiveHistory()
                : ReceiveHistory.create();
        if (options.client().executor() == null) {
            this.ownedExecutor = NorcClient.daemonThreads("norc-reconnecting-");
            this.executor = ownedExecutor;
        } else {
            this.ownedExecutor = null;
            this.executor = options.client().executor();
        }
        this.connectionOptions = options.client().withExecutor(executor).withReceiveHistory(history);
    }

    /** Starts the session: the first attempt goes to the first endpoint at once. */
    public static ReconnectingClient start(Options options) {
        ReconnectingClient session = new ReconnectingClient(Objects.requireNonNull(options, "options"));
        session.attempt(0);
        return session;
    }

    /**
     * {@link #start} over WebSockets: {@code endpoints} with {@code transport}'s trust and timeouts,
     * {@code encoding}, authenticating as {@code identity}, with {@code client}'s options (listener,
     * pinned server key, chain store) and the default backoff.
     */
    public static ReconnectingClient connect(List<URI> endpoints, WireEncoding encoding,
                                             WebSocketTransport.Options transport, DeviceIdentity identity,
                                             NorcClient.Options client) {
        return start(Options.of(endpoints, SessionOpener.webSocket(encoding, transport, identity)).withClient(client));
    }

    // ---- facts ---------------------------------------------------------------------------------

    /** Completes when the first connection is authenticated; fails if the session ends before. */
    public CompletableFuture<ReconnectingClient> connected() {
        return firstConnection.thenApply(session -> session);
    }

    /** The authenticated connection now, or {@code null} while reconnecting (or closed). */
    public synchronized NorcClient current() {
        return active == null || active.client.state() == NorcClient.State.CLOSED ? null : active.client;
    }

    /** The endpoint of the current (or last) connection. */
    public synchronized URI endpoint() {
        return options.endpoints().get(lastEndpoint);
    }

    /** Connections authenticated again after a loss. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Copies the server delivered again that were dropped as already shown ({@link ReceiveHistory}). */
    public long duplicatesDropped() {
        return history.duplicatesDropped();
    }

    /** Sealed messages sent again (after a lost connection, a {@code 9002}, a {@code 6001} or a timeout). */
    public long resends() {
        return resends.get();
    }

    public ReceiveHistory receiveHistory() {
        return history;
    }

    /** Completes after {@link #close} (or a failure that stopped reconnecting), once the last connection closed. */
    public CompletableFuture<Void> closeFuture() {
        return closed.thenApply(v -> v);
    }

    // ---- sending -------------------------------------------------------------------------------

    /** {@link #send(UUID, List, byte[], NorcClient.SendOptions)} with {@link NorcClient.SendOptions#DEFAULT}. */
    public CompletableFuture<SentMessage> send(UUID conversationId, List<String> recipientUserIds, byte[] content) {
        return send(conversationId, recipientUserIds, content, NorcClient.SendOptions.DEFAULT);
    }

    /**
     * Sends {@code content} end-to-end encrypted like {@link NorcClient#send}, on whichever
     * connection is up, and completes when the server answered {@code message_ack accepted}: also
     * after reconnects (the sealed message is sent again unchanged, see the class comment). It
     * waits while the session reconnects. Fails with the code of a refusal that sending again would
     * not change ({@code message_ack failed}, {@code FORBIDDEN}, a {@code 6001} without
     * {@code retry_after}, ...), or with {@code UNAVAILABLE} when the session is closed first: then
     * the server may or may not have stored it.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public CompletableFuture<SentMessage> send(UUID conversationId, List<String> recipientUserIds, byte[] content,
                                               NorcClient.SendOptions sendOptions) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(sendOptions, "sendOptions");
        List<String> recipients = List.copyOf(recipientUserIds);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("name at least one user");
        }
        synchronized (this) {
            if (closing) {
                throw new IllegalStateException("closed");
            }
        }
        Outgoing outgoing = new Outgoing(conversationId, recipients, content.clone(), sendOptions);
        return conversations.enqueue(conversationId, () -> {
            CompletableFuture<SentMessage> done = new CompletableFuture<>();
            sendOnce(outgoing, done, null);
            return done;
        });
    }

    /**
     * Sends {@code content} to a group like {@link NorcClient#sendToGroup}, on whichever
     * connection is up, sealed once and sent again unchanged after reconnects (re-wrapped for the
     * group's devices after a {@code 3013}), like {@link #send}.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public CompletableFuture<SentMessage> sendToGroup(UUID conversationId, byte[] content) {
        Objects.requireNonNull(conversationId, "conversationId");
        synchronized (this) {
            if (closing) {
                throw new IllegalStateException("closed");
            }
        }
        Outgoing outgoing = new Outgoing(conversationId, List.of(), content.clone(), NorcClient.SendOptions.DEFAULT);
        return conversations.enqueue(conversationId, () -> {
            CompletableFuture<SentMessage> done = new CompletableFuture<>();
            sendOnce(outgoing, done, null);
            return done.whenComplete((sent, error) -> {
                if (outgoing.sealed != null) {
                    outgoing.sealed.erase();
                }
            });
        });
    }

    /** One message on its way (to a group when it names no recipients): sealed once, on the first connection that gets that far. */
    private static final class Outgoing {
        final UUID conversationId;
        final List<String> recipients;
        final byte[] content;
        final NorcClient.SendOptions sendOptions;
        volatile SealedMessage sealed;
        volatile int serverRefusals;

        Outgoing(UUID conversationId, List<String> recipients, byte[] content, NorcClient.SendOptions sendOptions) {
            this.conversationId = conversationId;
            this.recipients = recipients;
            this.content = content;
            this.sendOptions = sendOptions;
        }
    }

    /**
     * One attempt: on the connection now (not {@code avoid}, the one the last attempt failed on
     * while it was ending), seal if not sealed yet, send.
     */
    private void sendOnce(Outgoing outgoing, CompletableFuture<SentMessage> done, NorcClient avoid) {
        CompletableFuture<NorcClient> connection = connection(avoid);
        if (avoid != null) {
            // should the failed connection be fine after all, use it again after a while
            connection = connection.copy().completeOnTimeout(avoid, options.client().requestTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        NorcClient[] used = new NorcClient[1];
        connection.thenCompose(client -> {
            used[0] = client;
            SealedMessage sealed = outgoing.sealed;
            if (sealed != null) {
                resends.incrementAndGet();
                return client.send(sealed);
            }
            CompletableFuture<SealedMessage> sealing = outgoing.recipients.isEmpty()
                    ? client.sealForGroup(outgoing.conversationId, outgoing.content, outgoing.sendOptions)
                    : client.seal(outgoing.conversationId, outgoing.recipients, outgoing.content, outgoing.sendOptions);
            return sealing.thenCompose(fresh -> {
                        outgoing.sealed = fresh;
                        return client.send(fresh);
                    });
        }).whenComplete((sent, error) -> {
            if (error == null) {
                done.complete(sent);
                return;
            }
            Throwable failure = unwrap(error);
            SendRetry retry = retry(outgoing, failure, used[0]);
            if (retry == null) {
                done.completeExceptionally(failure);
            } else if (retry.delay().isZero()) {
                runOrInline(() -> sendOnce(outgoing, done, retry.avoid()));
            } else {
                later(retry.delay(), () -> sendOnce(outgoing, done, retry.avoid()));
            }
        });
    }

    /** When to send again, and which connection not to use for it. */
    private record SendRetry(Duration delay, NorcClient avoid) {}

    /** How to send again after {@code failure} on {@code client}, or {@code null} when the failure is final. */
    private SendRetry retry(Outgoing outgoing, Throwable failure, NorcClient client) {
        synchronized (this) {
            if (closing) {
                return null;
            }
        }
        if (failure instanceof TimeoutException) {
            return new SendRetry(Duration.ZERO, null); // a late answer: send again; the server stores an id once
        }
        if (failure instanceof IllegalStateException) {
            return new SendRetry(Duration.ZERO, client); // the connection ended between taking it and using it
        }
        if (!(failure instanceof NorcException refused)) {
            return null;
        }
        Optional<ServerError> server = ServerError.of(refused);
        if (refused.code() == ErrorCode.UNAVAILABLE) {
            if (server.isEmpty()) {
                return new SendRetry(Duration.ZERO, client); // the connection ended: the next one sends it
            }
            return new SendRetry(server.get().retryAfter().orElseGet(() -> backoffFor(outgoing)), null);
        }
        if (refused.code() == ErrorCode.RATE_LIMITED && server.isPresent()) {
            // without retry_after it is final, as with NorcClient
            return server.get().retryAfter().map(delay -> new SendRetry(delay, null)).orElse(null);
        }
        return null;
    }

    private synchronized Duration backoffFor(Outgoing outgoing) {
        return options.backoff().delay(Math.min(outgoing.serverRefusals++, 62), options.random());
    }

    /**
     * The authenticated connection now, unless it is {@code avoid} or closed: then the next one.
     * Fails once the session is closed.
     */
    private synchronized CompletableFuture<NorcClient> connection(NorcClient avoid) {
        if (closing) {
            return CompletableFuture.failedFuture(closedFailure());
        }
        if (active != null && active.client != avoid && active.client.state() != NorcClient.State.CLOSED) {
            return CompletableFuture.completedFuture(active.client);
        }
        if (next.isDone()) {
            next = new CompletableFuture<>(); // the active connection is ending; its loss is on the way
        }
        return next;
    }

    // ---- connecting ----------------------------------------------------------------------------

    /** One connection attempt to {@code endpointIndex}. */
    private void attempt(int endpointIndex) {
        Connection connection;
        synchronized (this) {
            if (closing) {
                return;
            }
            connection = new Connection(endpointIndex);
        }
        URI endpoint = options.endpoints().get(endpointIndex);
        CompletableFuture<NorcClient> opening;
        try {
            opening = options.opener().open(endpoint, connectionOptions.withListener(connection));
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((client, error) -> {
            if (error != null) {
                attemptFailed(connection, unwrap(error));
            } else {
                attemptSucceeded(connection, client);
            }
        });
    }

    private void attemptSucceeded(Connection connection, NorcClient client) {
        CompletableFuture<NorcClient> waiting = null;
        boolean first = false;
        Duration outage = Duration.ZERO;
        synchronized (this) {
            if (closing) {
                client.close();
                return;
            }
            connection.client = client;
            if (!connection.ended && client.state() != NorcClient.State.CLOSED) {
                active = connection;
                lastEndpoint = connection.endpointIndex;
                attempt = 0;
                first = !everConnected;
                everConnected = true;
                if (!first) {
                    outage = Duration.ofNanos(System.nanoTime() - lostAtNanos);
                }
                waiting = next;
            }
        }
        if (waiting == null) {
            attemptFailed(connection, new NorcException(ErrorCode.UNAVAILABLE, "closed right after authenticating"));
            return;
        }
        if (!first) {
            reconnects.incrementAndGet();
        }
        waiting.complete(client);
        if (first) {
            firstConnection.complete(this);
        } else {
            URI endpoint = options.endpoints().get(connection.endpointIndex);
            Duration took = outage;
            notifyReconnect(listener -> listener.onReconnected(endpoint, took));
        }
    }

    private void attemptFailed(Connection connection, Throwable cause) {
        Retry retry;
        synchronized (this) {
            if (closing) {
                return;
            }
            boolean again = !permanent(cause) && (everConnected || options.retryFirstConnection());
            retry = again ? planRetry(connection, cause) : null;
        }
        if (retry != null) {
            retry(retry, cause);
        } else {
            end(cause);
        }
    }

    /** The next attempt after a failed one: to the endpoint after it, after the backoff. */
    private record Retry(URI failedEndpoint, int nextEndpoint, Duration delay) {}

    /** Holds the lock. A server's {@code retry_after} (a {@code 6001} while connecting) lengthens the delay. */
    private Retry planRetry(Connection failed, Throwable cause) {
        Duration delay = options.backoff().delay(Math.min(attempt++, 62), options.random());
        Optional<Duration> asked = ServerError.of(cause).flatMap(ServerError::retryAfter);
        if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
            delay = asked.get();
        }
        return new Retry(options.endpoints().get(failed.endpointIndex),
                (failed.endpointIndex + 1) % options.endpoints().size(), delay);
    }

    private void retry(Retry retry, Throwable cause) {
        notifyReconnect(listener -> listener.onConnectAttemptFailed(retry.failedEndpoint(), cause, retry.delay()));
        later(retry.delay(), () -> attempt(retry.nextEndpoint()));
    }

    /** A connection's last event: if it was the active one, reconnecting starts. */
    private void connectionEnded(Connection connection, Throwable cause) {
        synchronized (this) {
            connection.ended = true;
            if (closing || connection != active) {
                return;
            }
            active = null;
            lostAtNanos = System.nanoTime();
            if (next.isDone()) {
                next = new CompletableFuture<>();
            }
            attempt = 0;
            if (NorcClient.closedForRekey(cause)) {
                // the server changes keys by reconnecting (profile D): at once, to the same endpoint
                later(Duration.ZERO, () -> attempt(connection.endpointIndex));
            } else {
                Duration delay = options.backoff().delay(attempt++, options.random());
                int nextEndpoint = (connection.endpointIndex + 1) % options.endpoints().size();
                later(delay, () -> attempt(nextEndpoint));
            }
        }
        notifyReconnect(listener -> listener.onDisconnected(cause));
    }

    /** Authentication, protocol and crypto failures do not heal by trying again; outages and I/O do. */
    private static boolean permanent(Throwable cause) {
        if (!(cause instanceof NorcException refused)) {
            return false; // I/O, TLS, a timeout
        }
        return switch (refused.code()) {
            case UNAVAILABLE, INTERNAL, RATE_LIMITED -> false;
            default -> true;
        };
    }

    // ---- closing -------------------------------------------------------------------------------

    /**
     * Ends the session: closes the connection and stops reconnecting; sends not yet accepted fail
     * with {@code UNAVAILABLE}. Idempotent.
     */
    @Override
    public void close() {
        end(null);
    }

    private void end(Throwable cause) {
        Connection last;
        CompletableFuture<NorcClient> waiting;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            last = active;
            active = null;
            waiting = next;
        }
        NorcException failure = closedFailure();
        waiting.completeExceptionally(failure);
        firstConnection.completeExceptionally(cause != null ? cause : failure);
        CompletableFuture<Void> lastClosed = CompletableFuture.completedFuture(null);
        if (last != null) {
            last.client.close();
            lastClosed = last.client.closeFuture();
        }
        // never inline: the caller may hold its own locks, and the listener takes the listener's
        lastClosed.handle((ignored, error) -> null)
                .orTimeout(10, TimeUnit.SECONDS)
                .whenCompleteAsync((ignored, error) -> {
                    notify(listener -> listener.onClosed(cause));
                    closed.complete(null);
                    if (ownedExecutor != null) {
                        ownedExecutor.shutdown();
                    }
                }, this::runOrInline);
    }

    private static NorcException closedFailure() {
        return new NorcException(ErrorCode.UNAVAILABLE, "session closed");
    }

    // ---- the connections' events ---------------------------------------------------------------

    /** The listener of one connection: passes its events on, and reports its end. */
    private final class Connection implements ClientListener {
        final int endpointIndex;
        // guarded by the session's lock
        NorcClient client;
        boolean ended;

        Connection(int endpointIndex) {
            this.endpointIndex = endpointIndex;
        }

        @Override
        public void onMessage(ReceivedMessage message) {
            // also from a connection that just ended: the history accepted it, so it must be shown
            ReconnectingClient.this.notify(listener -> listener.onMessage(message));
        }

        @Override
        public void onReceipt(Receipt receipt) {
            ReconnectingClient.this.notify(listener -> listener.onReceipt(receipt));
        }

        @Override
        public void onRejected(UUID messageId, ErrorCode reason) {
            ReconnectingClient.this.notify(listener -> listener.onRejected(messageId, reason));
        }

        @Override
        public void onPresence(PresenceUpdate update) {
            ReconnectingClient.this.notify(listener -> listener.onPresence(update));
        }

        @Override
        public void onDeviceRevoked(String userId, UUID deviceId) {
            ReconnectingClient.this.notify(listener -> listener.onDeviceRevoked(userId, deviceId));
        }

        @Override
        public void onError(NorcException error) {
            ReconnectingClient.this.notify(listener -> listener.onError(error));
        }

        @Override
        public void onKeyExpiring(UUID deviceId, long expiresAt) {
            ReconnectingClient.this.notify(listener -> listener.onKeyExpiring(deviceId, expiresAt));
        }

        @Override
        public void onFile(ReceivedFile file) {
            ReconnectingClient.this.notify(listener -> listener.onFile(file));
        }

        @Override
        public void onGroupChanged(GroupChange change) {
            ReconnectingClient.this.notify(listener -> listener.onGroupChanged(change));
        }

        @Override
        public void onClosed(Throwable cause) {
            connectionEnded(this, cause);
        }
    }

    private void notify(Consumer<ClientListener> event) {
        synchronized (listenerLock) {
            try {
                event.accept(application);
            } catch (RuntimeException ignored) {
                // the application's problem; the event stream goes on
            }
        }
    }

    private void notifyReconnect(Consumer<ReconnectListener> event) {
        if (application instanceof ReconnectListener listener) {
            notify(ignored -> event.accept(listener));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void later(Duration delay, Runnable task) {
        CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, this::runOrInline).execute(task);
    }

    private void runOrInline(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private static Throwable unwrap(Throwable error) {
        return ConversationQueue.unwrap(error);
    }
}
