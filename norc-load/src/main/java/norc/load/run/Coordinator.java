package norc.load.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import norc.client.NorcClient;
import norc.load.engine.Counter;
import norc.load.engine.FileLimit;
import norc.load.engine.Interval;
import norc.load.engine.Metric;
import norc.load.net.NettyConnector;
import norc.load.report.RunAggregator;
import norc.load.report.RunResult;
import norc.load.report.ServerSample;
import norc.load.report.ServerSampler;
import norc.wire.WireEncoding;
import org.HdrHistogram.Histogram;

/**
 * Drives one run over several worker processes: splits the run ({@link RunPlan}), starts the
 * workers (worker JVMs, or the single worker in this process), waits until all of them have
 * provisioned, gives one common start time, merges their per-second intervals and histograms
 * ({@link RunAggregator}), samples the server, shows progress, and returns the merged result. A
 * worker that does not finish within the run's bounds is stopped.
 */
public final class Coordinator {
    /** How progress is shown on standard error. */
    public enum Progress { AUTO, LINE, OFF }

    /**
     * @param workers worker processes ({@code 1} runs in this process unless {@code forkSingle})
     * @param sourceAddresses all source addresses, dealt to the workers
     * @param serverPids sample these local processes' CPU and memory, added up (empty: not)
     * @param serverMetrics sample this Prometheus endpoint instead ({@code null}: not)
     * @param workerJvmOptions extra options for worker JVMs (e.g. {@code -Xmx2g})
     * @param settings what the run was asked to do, copied into the report
     */
    public record Options(int workers, boolean forkSingle, List<InetAddress> sourceAddresses,
                          List<Long> serverPids, URI serverMetrics, List<String> workerJvmOptions, Progress progress,
                          Map<String, Object> settings) {
        public Options {
            serverPids = List.copyOf(serverPids);
        }
    }

    private static final Duration SETUP_TIMEOUT_FLOOR = Duration.ofMinutes(2);

    private final Options options;
    private final PrintStream err;

    public Coordinator(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    /** Asks the first endpoint for its server id (the users' domain) with one NORC handshake. */
    public static String discoverDomain(WorkerSpec spec) throws Exception {
        return discoverServerId(spec, spec.endpoints().get(0));
    }

    /**
     * Asks {@code endpoint} for its server id with one NORC handshake, trusting it as the spec
     * says (a federated run: that server's own certificate).
     */
    public static String discoverServerId(WorkerSpec spec, String endpoint) throws Exception {
        NettyConnector.Trust trust = Worker.endpointTrust(spec).getOrDefault(URI.create(endpoint), Worker.trust(spec));
        WireEncoding encoding = spec.encoding().equals("json") ? WireEncoding.JSON : WireEncoding.BINARY;
        try (NettyConnector connector = new NettyConnector(new NettyConnector.Settings(trust, 1,
                Duration.ofSeconds(spec.connectTimeoutSeconds()), spec.maxMessageBytes()))) {
            NettyConnector.Connected connected = connector.connect(URI.create(endpoint), null, encoding)
                    .get(spec.connectTimeoutSeconds() * 3L, TimeUnit.SECONDS);
            NorcClient client = NorcClient.connect(connected.transport(), encoding)
                    .get(spec.requestTimeoutSeconds(), TimeUnit.SECONDS);
            String serverId = client.serverId();
            client.close();
            client.closeFuture().get(5, TimeUnit.SECONDS);
            return serverId;
        }
    }

    public RunResult run(WorkerSpec whole) throws Exception {
        int workers = options.workers();
        boolean inProcess = workers == 1 && !options.forkSingle();
        if (inProcess) {
            FileLimit.check(whole.users(), FileLimit.current().orElse(Long.MAX_VALUE), 1);
        }
        List<WorkerSpec> slices = RunPlan.slices(whole, workers, options.sourceAddresses());
        RunAggregator aggregate = new RunAggregator(workers);
        List<WorkerHandle> handles = new ArrayList<>();
        ProgressLine progress = new ProgressLine(options.progress(), err, whole.users());
        for (WorkerSpec slice : slices) {
            WorkerHandle handle = new WorkerHandle(slice.workerIndex(), aggregate, progress);
            handles.add(handle);
            if (inProcess) {
                handle.startInProcess(slice);
            } else {
                handle.startProcess(slice, options.workerJvmOptions());
            }
        }
        ScheduledExecutorService sampler = null;
        ServerSampler serverSampler = null;
        List<ServerSample> samples = new CopyOnWriteArrayList<>();
        try {
            Duration setupTimeout = Duration.ofSeconds(Math.max(SETUP_TIMEOUT_FLOOR.toSeconds(), whole.users() / 10L));
            List<WorkerSink.SetupSummary> setups = new ArrayList<>();
            for (WorkerHandle h : handles) {
                setups.add(await(h.ready, setupTimeout, "worker " + h.index + " did not finish provisioning"));
            }
            long go = System.currentTimeMillis() + (inProcess ? 100 : 500);
            Instant startedAt = Instant.ofEpochMilli(go);
            for (WorkerHandle h : handles) {
                h.go(go);
            }
            serverSampler = !options.serverPids().isEmpty()
                    ? ServerSampler.sum(options.serverPids().stream().map(ServerSampler::ofPid).toList())
                    : options.serverMetrics() != null ? ServerSampler.ofMetrics(options.serverMetrics()) : null;
            if (serverSampler != null) {
                sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "norc-load-server-sampler");
                    t.setDaemon(true);
                    return t;
                });
                int[] second = {-1};
                ServerSampler source = serverSampler;
                sampler.scheduleAtFixedRate(() -> {
                    ServerSample s = source.sample(second[0]);
                    if (s != null) {
                        samples.add(s);
                    }
                    second[0]++;
                }, Math.max(0, go - System.currentTimeMillis()), 1000, TimeUnit.MILLISECONDS);
            }
            Duration runBound = Duration.ofSeconds(whole.maxDurationSeconds() + 60L);
            boolean deadline = false;
            for (WorkerHandle h : handles) {
                deadline |= await(h.done, runBound, "worker " + h.index + " did not finish");
            }
            double duration = (System.currentTimeMillis() - go) / 1000.0;
            progress.finish();
            return new RunResult(whole.scenario(), startedAt, duration, workers, whole.endpoints(), options.settings(),
                    setups, aggregate, List.copyOf(samples), serverSampler == null ? 0 : serverSampler.firstRssBytes(),
                    deadline, whole.homeServers());
        } finally {
            if (sampler != null) {
                sampler.shutdownNow();
            }
            for (WorkerHandle h : handles) {
                h.stop();
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout, String what) throws Exception {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception ex ? ex : new IllegalStateException(cause);
        }
    }

    /** One worker, in this process or a child JVM, as the coordinator sees it. */
    private final class WorkerHandle {
        final int index;
        final RunAggregator aggregate;
        final ProgressLine progress;
        final CompletableFuture<WorkerSink.SetupSummary> ready = new CompletableFuture<>();
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        final CompletableFuture<Long> goSignal = new CompletableFuture<>();
        Process process;
        Writer toWorker;

        WorkerHandle(int index, RunAggregator aggregate, ProgressLine progress) {
            this.index = index;
            this.aggregate = aggregate;
            this.progress = progress;
        }

        void startInProcess(WorkerSpec spec) {
            Thread thread = new Thread(() -> {
                try {
                    new Worker(spec, new WorkerSink() {
                        @Override
                        public void ready(SetupSummary setup) {
                            ready.complete(setup);
                        }

                        @Override
                        public long awaitGo() throws InterruptedException {
                            try {
                                return goSignal.get();
                            } catch (ExecutionException e) {
                                throw new IllegalStateException(e.getCause());
                            }
                        }

                        @Override
                        public void interval(Interval interval) {
                            onInterval(interval);
                        }

                        @Override
                        public void done(boolean stoppedByDeadline) {
                            done.complete(stoppedByDeadline);
                        }

                        @Override
                        public void note(String line) {
                            progress.note(line);
                        }
                    }).run();
                } catch (Exception | Error e) {
                    fail(e);
                }
            }, "norc-load-worker-0");
            thread.setDaemon(true);
            thread.start();
        }

        void startProcess(WorkerSpec spec, List<String> jvmOptions) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("norc.load.NorcLoad");
            command.add("worker");
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            toWorker = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            send(WorkerProtocol.spec(spec));
            Thread reader = new Thread(this::readWorker, "norc-load-worker-" + index + "-reader");
            reader.setDaemon(true);
            reader.start();
            goSignal.thenAccept(at -> {
                try {
                    send(WorkerProtocol.go(at));
                } catch (IOException e) {
                    fail(e);
                }
            });
        }

        private synchronized void send(String line) throws IOException {
            toWorker.write(line);
            toWorker.write('\n');
            toWorker.flush();
        }

        private void readWorker() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode node;
                    try {
                        node = WorkerProtocol.JSON.readTree(line);
                    } catch (IOException e) {
                        progress.note("worker " + index + ": " + line);
                        continue;
                    }
                    switch (node.path("type").asText()) {
                        case "ready" -> ready.complete(WorkerProtocol.readSetup(node.get("setup")));
                        case "interval" -> onInterval(WorkerProtocol.readInterval(node));
                        case "done" -> done.complete(node.path("deadline").asBoolean());
                        case "note" -> progress.note("worker " + index + ": " + node.path("text").asText());
                        case "failed" -> fail(new IllegalStateException("worker " + index + " failed: "
                                + node.path("text").asText()));
                        default -> progress.note("worker " + index + ": unknown message");
                    }
                }
            } catch (IOException e) {
                // the worker ended
            }
            fail(new IllegalStateException("worker " + index + " exited before finishing"));
        }

        void onInterval(Interval interval) {
            RunAggregator.Second complete = aggregate.add(index, interval);
            if (complete != null) {
                progress.second(complete);
            }
        }

        void go(long at) {
            goSignal.complete(at);
        }

        void fail(Throwable error) {
            ready.completeExceptionally(error);
            done.completeExceptionally(error);
        }

        void stop() {
            if (process != null) {
                try {
                    toWorker.close(); // the worker halts when its input closes
                } catch (IOException ignored) {
                    // already gone
                }
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** The live progress line: rewritten in place on a terminal, a plain line every 5 s otherwise. */
    static final class ProgressLine {
        private final Progress mode;
        private final PrintStream err;
        private final boolean terminal;
        private final long target;
        private int lastLength;

        ProgressLine(Progress mode, PrintStream err, long target) {
            this.mode = mode;
            this.err = err;
            this.terminal = mode == Progress.AUTO && System.console() != null;
            this.target = target;
        }

        synchronized void second(RunAggregator.Second s) {
            if (mode == Progress.OFF || (!terminal && s.second() % 5 != 4)) {
                return;
            }
            String line = format(s, target);
            if (terminal) {
                err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
                lastLength = line.length();
            } else {
                err.println(line);
            }
            err.flush();
        }

        synchronized void note(String line) {
            if (terminal && lastLength > 0) {
                err.print("\r" + " ".repeat(lastLength) + "\r");
                lastLength = 0;
            }
            err.println(line);
        }

        synchronized void finish() {
            if (terminal && lastLength > 0) {
                err.println();
                lastLength = 0;
            }
        }

        static String format(RunAggregator.Second s, long target) {
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "[%4d s] held %d/%d  +%d/s", s.second() + 1,
                    s.held(), target, s.count(Counter.SESSIONS_ESTABLISHED)));
            Metric setup = s.latency(Metric.AUTHENTICATION) != null ? Metric.AUTHENTICATION : Metric.REGISTRATION;
            appendLatency(out, setup == Metric.AUTHENTICATION ? "auth" : "reg", s.latency(setup));
            if (s.count(Counter.MESSAGES_SENT) > 0 || s.count(Counter.MESSAGES_RECEIVED) > 0) {
                out.append(String.format(Locale.ROOT, "  msg %d/s", s.count(Counter.MESSAGES_RECEIVED)));
                appendLatency(out, "e2e", s.latency(Metric.END_TO_END));
            }
            out.append("  errors ").append(s.errorCount());
            return out.toString();
        }

        private static void appendLatency(StringBuilder out, String name, Histogram h) {
            if (h != null && h.getTotalCount() > 0) {
                out.append(String.format(Locale.ROOT, "  %s p50 %.1f p99 %.1f ms", name,
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0));
            }
        }
    }
}
