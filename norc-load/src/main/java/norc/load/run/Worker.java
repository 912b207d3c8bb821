package norc.load.run;

import java.io.File;
import java.net.InetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import norc.client.Backoff;
import norc.client.DeviceIdentity;
import norc.crypto.CipherSuite;
import norc.load.engine.AdminApi;
import norc.load.engine.Counter;
import norc.load.engine.ErrorLabels;
import norc.load.engine.FileLimit;
import norc.load.engine.Interval;
import norc.load.engine.LoadEngine;
import norc.load.engine.LoadSession;
import norc.load.engine.Metrics;
import norc.load.engine.QueueTally;
import norc.load.engine.RateSchedule;
import norc.load.engine.SourceAddresses;
import norc.load.net.NettyConnector;
import norc.wire.WireEncoding;

/**
 * Runs one {@link WorkerSpec}: checks the open-file limit, provisions its users, waits for the
 * coordinator's go, runs the scenario ({@code storm} or {@code chat}) while reporting one
 * {@link Interval} per second, closes every session and stops. Every phase is bounded by the
 * spec's durations and by {@code maxDurationSeconds}, so a worker always ends by itself.
 */
public final class Worker {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);

    private final WorkerSpec spec;
    private final WorkerSink sink;
    private final Metrics metrics = new Metrics();
    private final List<LoadSession> sessions = new ArrayList<>();
    private final Random random = new Random();
    private final AtomicInteger pending = new AtomicInteger();
    private LoadEngine engine;
    private long goNanos;
    private long deadlineNanos;
    private boolean stoppedByDeadline;

    public Worker(WorkerSpec spec, WorkerSink sink) {
        this.spec = spec;
        this.sink = sink;
    }

    /** Runs the whole slice; throws if setup is impossible (limits, trust file, addresses). */
    public void run() throws Exception {
        long limit = FileLimit.current().orElse(Long.MAX_VALUE);
        FileLimit.check(spec.users(), limit, 1);
        int ports = SourceAddresses.portsPerAddress();
        SourceAddresses sources = new SourceAddresses(spec.sourceAddresses().stream().map(Worker::address).toList());
        if (spec.users() > sources.capacity(ports)) {
            throw new IllegalStateException(spec.users() + " sessions need more than " + sources.capacity(ports)
                    + " ephemeral ports: give more --source-addresses");
        }
        NettyConnector connector = new NettyConnector(new NettyConnector.Settings(trust(spec), endpointTrust(spec),
                spec.ioThreads(), Duration.ofSeconds(spec.connectTimeoutSeconds()), spec.maxMessageBytes()));
        WireEncoding encoding = spec.encoding().equals("json") ? WireEncoding.JSON : WireEncoding.BINARY;
        List<CipherSuite> suites = spec.suites().stream().map(Worker::suite).toList();
        Backoff backoff = spec.reconnect() ? new Backoff(Duration.ofMillis(spec.reconnectBaseMillis()),
                Duration.ofMillis(spec.reconnectCapMillis())) : null;
        engine = new LoadEngine(connector, sources,
                new LoadEngine.Settings(encoding, suites, Duration.ofSeconds(spec.requestTimeoutSeconds()), backoff),
                spec.cryptoThreads());
        try {
            createSessions();
            sink.ready(provision());
            long go = sink.awaitGo();
            long wait = go - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            goNanos = System.nanoTime();
            deadlineNanos = goNanos + TimeUnit.SECONDS.toNanos(spec.maxDurationSeconds());
            AtomicInteger second = new AtomicInteger();
            ScheduledFuture<?> ticker = engine.timer().scheduleAtFixedRate(
                    () -> sink.interval(metrics.interval(second.getAndIncrement())), 1000, 1000, TimeUnit.MILLISECONDS);
            try {
                if (spec.scenario().equals("chat")) {
                    chat();
                } else {
                    storm();
                }
                closeAll();
            } finally {
                ticker.cancel(false);
            }
            sink.interval(metrics.interval(second.getAndIncrement()));
            sink.done(stoppedByDeadline);
        } finally {
            engine.close();
        }
    }

    private void createSessions() {
        SecureRandom keys = new SecureRandom();
        for (int i = 0; i < spec.users(); i++) {
            int index = spec.firstUser() + i;
            DeviceIdentity identity = DeviceIdentity.create(spec.userId(index), "norc-load " + index, keys);
            sessions.add(new LoadSession(index, identity, spec.endpointsOf(index), metrics));
        }
    }

    // ---- setup ---------------------------------------------------------------------------------

    private WorkerSink.SetupSummary provision() throws Exception {
        long started = System.nanoTime();
        Map<String, Long> errors = new HashMap<>();
        AtomicInteger done = new AtomicInteger();
        if (!spec.registration().equals("open")) {
            Map<String, AdminApi> admins = new HashMap<>(); // one per server when federated
            for (LoadSession session : sessions) {
                admins.computeIfAbsent(spec.adminUrlOf(session.index()), url -> new AdminApi(URI.create(url),
                        Duration.ofSeconds(spec.requestTimeoutSeconds()), spec.adminTokenOf(url)));
            }
            Metrics setup = new Metrics();
            boolean registerNow = spec.registration().equals("provisioned");
            inParallel(sessions.size(), spec.provisionConcurrency(), i -> {
                LoadSession session = sessions.get(i);
                String user = session.userId();
                AdminApi admin = admins.get(spec.adminUrlOf(session.index()));
                return admin.createUser(user)
                        .thenCompose(ignored -> admin.enrollmentToken(user))
                        .thenCompose(token -> {
                            session.useEnrollmentToken(token);
                            if (!registerNow) {
                                return CompletableFuture.completedFuture(true);
                            }
                            return engine.open(session, setup, false).thenCompose(up -> up
                                    ? closeQuietly(session).thenApply(ignored -> true)
                                    : CompletableFuture.completedFuture(false));
                        })
                        .handle((ok, error) -> {
                            if (error != null) {
                                synchronized (errors) {
                                    errors.merge(ErrorLabels.of(error), 1L, Long::sum);
                                }
                            } else if (ok) {
                                done.incrementAndGet();
                            }
                            return null;
                        });
            }).get(Math.max(60, sessions.size()), TimeUnit.SECONDS);
            Interval setupTotals = setup.interval(0);
            synchronized (errors) {
                setupTotals.errors().forEach((label, n) -> errors.merge(label, n, Long::sum));
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        synchronized (errors) {
            return new WorkerSink.SetupSummary(sessions.size(), done.get(), seconds, errors);
        }
    }

    /** Runs {@code task(0..count-1)} with at most {@code parallelism} at a time. */
    private static CompletableFuture<Void> inParallel(int count, int parallelism,
                                                      IntFunction<CompletableFuture<?>> task) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (count == 0) {
            all.complete(null);
            return all;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] startOne = new Runnable[1];
        startOne[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= count) {
                return;
            }
            CompletableFuture<?> f;
            try {
                f = task.apply(i);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((ignored, error) -> {
                if (finished.incrementAndGet() == count) {
                    all.complete(null);
                } else {
                    startOne[0].run();
                }
            });
        };
        for (int p = 0; p < Math.min(parallelism, count); p++) {
            startOne[0].run();
        }
        return all;
    }

    // ---- scenarios -----------------------------------------------------------------------------

    private void storm() throws InterruptedException {
        List<CompletableFuture<Boolean>> opens = ramp();
        awaitAll(opens, deadlineNanos);
        long holdEnd = Math.min(deadlineNanos, System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.holdSeconds()));
        ScheduledFuture<?> churn = null;
        if (spec.churnPerSecond() > 0 && !sessions.isEmpty()) {
            churn = pace(new RateSchedule(spec.churnPerSecond(), -1), i -> churnOne());
        }
        ScheduledFuture<?> drops = startDrops();
        sleepUntil(holdEnd);
        if (churn != null) {
            churn.cancel(false);
        }
        if (drops != null) {
            drops.cancel(false);
        }
    }

    private void chat() throws InterruptedException {
        List<CompletableFuture<Boolean>> opens = ramp();
        awaitAll(opens, deadlineNanos);
        for (int k = 0; k + 1 < sessions.size(); k += 2) {
            LoadSession.pair(sessions.get(k), sessions.get(k + 1));
        }
        long periodNanos = (long) (60e9 / spec.messagesPerMinute());
        int size = Math.max(0, spec.messageBytes());
        List<ScheduledFuture<?>> senders = new ArrayList<>();
        for (LoadSession session : sessions) {
            for (int b = 0; b < spec.burst(); b++) {
                engine.sendChat(session, metrics, size, spec.maxInFlight());
            }
            long phase = (long) (random.nextDouble() * periodNanos);
            senders.add(engine.timer().scheduleAtFixedRate(() -> engine.sendChat(session, metrics, size,
                    spec.maxInFlight()), phase, periodNanos, TimeUnit.NANOSECONDS));
        }
        ScheduledFuture<?> drops = startDrops();
        sleepUntil(Math.min(deadlineNanos, System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.chatSeconds())));
        senders.forEach(s -> s.cancel(false));
        if (drops != null) {
            drops.cancel(false);
        }
        // let messages in flight arrive: until every send was answered and every accepted message
        // received, or the drain wait is over
        long drain = TimeUnit.MILLISECONDS.toNanos(spec.drainMillis());
        long drainEnd = Math.min(deadlineNanos + drain, System.nanoTime() + drain);
        while (System.nanoTime() < drainEnd && sessions.stream().anyMatch(s -> s.inFlight() > 0
                || s.outstanding() > 0)) {
            Thread.sleep(50);
        }
        countQueue();
    }

    /** The total-queue figures of this worker's recipients, added to the counters once. */
    private void countQueue() {
        QueueTally tally = QueueTally.EMPTY;
        long resent = 0;
        for (LoadSession session : sessions) {
            tally = tally.plus(session.queueTally());
            resent += session.resends();
        }
        metrics.add(Counter.QUEUE_SENT_ACCEPTED, tally.sentAccepted());
        metrics.add(Counter.QUEUE_DELIVERED, tally.delivered());
        metrics.add(Counter.QUEUE_LOST, tally.lost());
        metrics.add(Counter.QUEUE_UNEXPECTED, tally.unexpected());
        metrics.add(Counter.QUEUE_DUPLICATES_SHOWN, tally.duplicatesShown());
        metrics.add(Counter.QUEUE_REDELIVERED, tally.redelivered());
        metrics.add(Counter.QUEUE_RECOVERED, tally.recovered());
        metrics.add(Counter.MESSAGES_RESENT, resent);
    }

    /** With {@code --drop}: cuts that many random sessions' connections per second; the future stops it. */
    private ScheduledFuture<?> startDrops() {
        if (!(spec.dropPerSecond() > 0) || sessions.isEmpty()) {
            return null;
        }
        return pace(new RateSchedule(spec.dropPerSecond(), -1), i -> dropOne());
    }

    /**
     * Cuts one session's connection: preferably one with a send in flight, so that drops hit
     * sends and deliveries in progress (the cases reconnecting must get right), else any.
     */
    private void dropOne() {
        int start = random.nextInt(sessions.size());
        for (int k = 0; k < sessions.size(); k++) {
            LoadSession session = sessions.get((start + k) % sessions.size());
            if (session.inFlight() > 0 && session.dropConnection()) {
                metrics.increment(Counter.CONNECTIONS_DROPPED);
                return;
            }
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            if (sessions.get(random.nextInt(sessions.size())).dropConnection()) {
                metrics.increment(Counter.CONNECTIONS_DROPPED);
                return;
            }
        }
    }

    /** Starts every session at the spec's rate; returns their setup futures. */
    private List<CompletableFuture<Boolean>> ramp() throws InterruptedException {
        List<CompletableFuture<Boolean>> opens = Collections.synchronizedList(new ArrayList<>());
        boolean open = spec.registration().equals("open");
        if (sessions.isEmpty()) {
            return opens;
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        RateSchedule schedule = new RateSchedule(spec.connectPerSecond(), sessions.size());
        ScheduledFuture<?> pacer = pace(schedule, i -> {
            opens.add(open(sessions.get((int) i), open));
            if (i == sessions.size() - 1) {
                started.complete(null);
            }
        });
        try {
            started.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stoppedByDeadline = true;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pacer.cancel(false);
        }
        synchronized (opens) {
            return new ArrayList<>(opens);
        }
    }

    /**
     * Calls {@code action(i)} for events i = 0, 1, ... when {@code schedule} makes them due,
     * checking every 2 ms on the timer; cancel the returned future to stop.
     */
    private ScheduledFuture<?> pace(RateSchedule schedule, LongConsumer action) {
        long start = System.nanoTime();
        long[] next = {0};
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        ScheduledFuture<?> f = engine.timer().scheduleAtFixedRate(() -> {
            long due = schedule.dueBy(System.nanoTime() - start);
            while (next[0] < due && pending.get() < spec.maxPending()) {
                action.accept(next[0]++);
            }
            if (schedule.total() >= 0 && next[0] >= schedule.total() && self.get() != null) {
                self.get().cancel(false);
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        self.set(f);
        return f;
    }

    /** {@link LoadEngine#open} with the setups in progress counted for {@code maxPending}. */
    private CompletableFuture<Boolean> open(LoadSession session, boolean openRegistration) {
        pending.incrementAndGet();
        return engine.open(session, metrics, openRegistration).whenComplete((up, error) -> pending.decrementAndGet());
    }

    private void churnOne() {
        for (int attempt = 0; attempt < 8; attempt++) {
            LoadSession session = sessions.get(random.nextInt(sessions.size()));
            CompletableFuture<Void> closing = session.closeIfUp();
            if (closing != null) {
                metrics.increment(Counter.CHURN_DISCONNECTS);
                closing.thenRun(() -> {
                    if (System.nanoTime() < deadlineNanos) {
                        open(session, false);
                    }
                });
                return;
            }
        }
    }

    private void closeAll() throws InterruptedException {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (LoadSession session : sessions) {
            CompletableFuture<Void> f = session.closeIfUp();
            if (f != null) {
                closing.add(f);
            }
        }
        awaitAll(closing, System.nanoTime() + CLOSE_WAIT.toNanos());
    }

    private void awaitAll(List<? extends CompletableFuture<?>> futures, long untilNanos) throws InterruptedException {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (untilNanos == deadlineNanos) {
                stoppedByDeadline = true;
            }
        } catch (java.util.concurrent.ExecutionException e) {
            // each future handles its own failure
        }
    }

    private void sleepUntil(long nanos) throws InterruptedException {
        long remaining = nanos - System.nanoTime();
        if (remaining > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
        }
        if (nanos >= deadlineNanos) {
            stoppedByDeadline = true;
        }
    }

    private static InetAddress address(String text) {
        return SourceAddresses.parse(text).get(0);
    }

    /** How the spec trusts its servers by default (one server: the only trust). */
    static NettyConnector.Trust trust(WorkerSpec spec) {
        return trust(spec.trustCertificate(), spec.insecureLoopback());
    }

    /** Federated: each home server's endpoint with its own certificate; empty for one server. */
    static Map<URI, NettyConnector.Trust> endpointTrust(WorkerSpec spec) {
        Map<URI, NettyConnector.Trust> out = new HashMap<>();
        if (spec.federated()) {
            for (String endpoint : spec.endpoints()) {
                out.put(URI.create(endpoint), trust(spec.trustCertificateFor(endpoint), spec.insecureLoopback()));
            }
        }
        return out;
    }

    private static NettyConnector.Trust trust(String certificate, boolean insecureLoopback) {
        if (certificate != null) {
            return new NettyConnector.Trust.CertificateFile(new File(certificate));
        }
        return insecureLoopback ? new NettyConnector.Trust.InsecureLoopback() : new NettyConnector.Trust.SystemTrust();
    }

    static CipherSuite suite(String code) {
        CipherSuite suite = CipherSuite.fromCode(code);
        if (suite == null) {
            throw new IllegalArgumentException("unknown cipher suite " + code);
        }
        return suite;
    }

    private static CompletableFuture<Void> closeQuietly(LoadSession session) {
        CompletableFuture<Void> closing = session.closeIfUp();
        return closing == null ? CompletableFuture.completedFuture(null) : closing;
    }
}
