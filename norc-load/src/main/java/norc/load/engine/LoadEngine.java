package norc.load.engine;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import norc.client.Backoff;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.client.ReconnectingClient;
import norc.client.SentMessage;
import norc.client.TextContent;
import norc.crypto.CipherSuite;
import norc.load.net.NettyConnector;
import norc.session.ClientHandshake;
import norc.wire.WireEncoding;
import norc.wire.message.AuthResponse;

/**
 * Opens and closes {@link LoadSession}s: Netty for the socket, TLS and WebSocket (non-blocking,
 * a few event-loop threads), the client SDK for the NORC handshake, authentication and messages,
 * with every session's crypto and callbacks on one shared work-stealing pool as wide as the
 * machine. Each stage's latency goes into the {@link Metrics} given per call (setup and measured
 * phase keep separate ones).
 */
public final class LoadEngine implements AutoCloseable {
    /**
     * How sessions connect.
     *
     * @param reconnect {@code null}: one connection per session (a lost one ends it); else each
     *     session is a {@link ReconnectingClient} with this backoff
     */
    public record Settings(WireEncoding encoding, List<CipherSuite> suites, Duration requestTimeout, Backoff reconnect) {}

    private final NettyConnector connector;
    private final SourceAddresses sources;
    private final Settings settings;
    private final ForkJoinPool crypto;
    private final ScheduledExecutorService timer;

    public LoadEngine(NettyConnector connector, SourceAddresses sources, Settings settings, int cryptoThreads) {
        this.connector = connector;
        this.sources = sources;
        this.settings = settings;
        this.crypto = new ForkJoinPool(cryptoThreads, pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("norc-load-crypto-" + thread.getPoolIndex());
            thread.setDaemon(true);
            return thread;
        }, null, true);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "norc-load-timer");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.timer = scheduler;
    }

    /** The pacing timer (one thread: keep tasks short). */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /**
     * Opens {@code session}: connects, runs the NORC handshake, then registers it (if it holds an
     * enrollment token, or {@code openRegistration} and it is not registered yet) or authenticates.
     * With {@link Settings#reconnect}, the session is a {@link ReconnectingClient}: a lost
     * connection is opened again the same way (to the session's next endpoint, with backoff) and
     * authenticates; the first connection is not retried. Completes with {@code true} when the
     * session is up, {@code false} when it failed (counted in {@code metrics} under its error
     * label) or was already open.
     */
    public CompletableFuture<Boolean> open(LoadSession session, Metrics metrics, boolean openRegistration) {
        LoadSession.Link listener = session.beginOpening();
        if (listener == null) {
            return CompletableFuture.completedFuture(false);
        }
        metrics.increment(Counter.SESSIONS_STARTED);
        long started = System.nanoTime();
        CompletableFuture<?> up;
        if (settings.reconnect() == null) {
            up = connectAndAuthenticate(session, session.endpoint(), clientOptions(session, listener), metrics,
                    openRegistration).thenApply(client -> {
                        session.attach(client);
                        return client;
                    });
        } else {
            ReconnectingClient reconnecting = ReconnectingClient.start(ReconnectingClient.Options.of(session.endpoints,
                            (endpoint, options) -> connectAndAuthenticate(session, endpoint, options, metrics,
                                    openRegistration))
                    .withClient(clientOptions(session, listener))
                    .withBackoff(settings.reconnect())
                    .withRetryFirstConnection(false));
            session.attach(reconnecting);
            up = reconnecting.connected();
        }
        return up.handle((ignored, error) -> {
            if (error == null && session.markUp()) {
                metrics.recordNanos(Metric.SESSION_SETUP, System.nanoTime() - started);
                metrics.increment(Counter.SESSIONS_ESTABLISHED);
                return true;
            }
            metrics.increment(Counter.SESSIONS_FAILED);
            metrics.error(error == null ? "session_lost during setup" : ErrorLabels.of(error));
            session.markFailed();
            return false;
        });
    }

    /**
     * One connection of {@code session} to {@code endpoint}, each stage measured: TCP, TLS and
     * upgrade on Netty, the NORC handshake with {@code options}, then registration or
     * authentication. Closes what it opened when a stage fails.
     */
    private CompletableFuture<NorcClient> connectAndAuthenticate(LoadSession session, URI endpoint,
                                                                 NorcClient.Options options, Metrics metrics,
                                                                 boolean openRegistration) {
        CompletableFuture<NettyConnector.Connected> connecting;
        try {
            connecting = connector.connect(endpoint, sources.next(), settings.encoding());
        } catch (RuntimeException e) {
            connecting = CompletableFuture.failedFuture(e);
        }
        String token = session.enrollmentToken;
        boolean register = token != null || (openRegistration && !session.registered);
        return connecting.thenCompose(connected -> {
            metrics.recordNanos(Metric.TCP_CONNECT, connected.timings().tcpNanos());
            metrics.recordNanos(Metric.TLS_HANDSHAKE, connected.timings().tlsNanos());
            metrics.recordNanos(Metric.WEBSOCKET_UPGRADE, connected.timings().upgradeNanos());
            session.connectedOver(connected.transport());
            long handshake = System.nanoTime();
            return NorcClient.connect(connected.transport(), settings.encoding(), options)
                    .thenApply(client -> {
                        metrics.recordNanos(Metric.NORC_HANDSHAKE, System.nanoTime() - handshake);
                        return client;
                    });
        }).thenCompose(client -> {
            long auth = System.nanoTime();
            CompletableFuture<AuthResponse> answer = register ? client.register(session.identity, token)
                    : client.authenticate(session.identity);
            return answer.handle((response, error) -> {
                if (error != null) {
                    client.close();
                    throw error instanceof CompletionException c ? c : new CompletionException(error);
                }
                metrics.recordNanos(register ? Metric.REGISTRATION : Metric.AUTHENTICATION, System.nanoTime() - auth);
                if (register) {
                    session.registered = true;
                    session.enrollmentToken = null;
                }
                return client;
            });
        });
    }

    private NorcClient.Options clientOptions(LoadSession session, ClientListener listener) {
        ClientHandshake.Offer defaults = ClientHandshake.Offer.defaults();
        ClientHandshake.Offer offer = settings.suites().isEmpty() ? defaults
                : new ClientHandshake.Offer(defaults.versions(), settings.suites(), defaults.capabilities());
        return NorcClient.Options.defaults()
                .withOffer(offer)
                .withExecutor(crypto)
                .withListener(listener)
                .withChainStore(session.chains)
                .withReceiveHistory(session.history)
                .withRequestTimeout(settings.requestTimeout());
    }

    /**
     * Sends one chat message from {@code session} to its peer: a {@link TextContent} whose text
     * numbers it ({@link ChatText}) and whose {@code sent_at} is now, end-to-end encrypted by the
     * SDK; records the ack latency and tells the peer's {@link DeliveryLedger} what was accepted.
     * With {@code --reconnect} a send waits through reconnects and is sent again unchanged. Skips
     * (and counts) when the device already has {@code maxInFlight} messages unanswered.
     */
    public void sendChat(LoadSession session, Metrics metrics, int messageBytes, int maxInFlight) {
        LoadSession peer = session.peer;
        if (peer == null || !session.isUp()) {
            return;
        }
        if (session.inFlight.incrementAndGet() > maxInFlight) {
            session.inFlight.decrementAndGet();
            metrics.increment(Counter.SENDS_SKIPPED);
            return;
        }
        long sequence = session.sendsAttempted.getAndIncrement(); // before sending: see DeliveryLedger
        metrics.increment(Counter.MESSAGES_SENT);
        long started = System.nanoTime();
        byte[] content = new TextContent(ChatText.of(session.index, sequence, messageBytes), LoadSession.nowMicros())
                .encode();
        CompletableFuture<SentMessage> sending;
        try {
            sending = session.send(List.of(peer.identity.userId()), content);
        } catch (IllegalStateException e) {
            sending = null;
        }
        if (sending == null) {
            session.inFlight.decrementAndGet();
            metrics.increment(Counter.MESSAGES_FAILED);
            metrics.error("message_failed session_closed");
            return;
        }
        sending.whenComplete((sent, error) -> {
            session.inFlight.decrementAndGet();
            if (error != null) {
                metrics.increment(Counter.MESSAGES_FAILED);
                metrics.error("message_failed " + ErrorLabels.of(error));
            } else {
                peer.ledger.accepted(sent.messageId());
                metrics.increment(Counter.MESSAGES_ACCEPTED);
                metrics.recordNanos(Metric.ACK, System.nanoTime() - started);
            }
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        connector.close();
        crypto.shutdown();
        try {
            crypto.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
