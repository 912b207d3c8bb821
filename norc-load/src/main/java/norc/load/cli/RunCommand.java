package norc.load.cli;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import norc.client.TransportSecurity;
import norc.load.engine.ErrorLabels;
import norc.load.engine.FileLimit;
import norc.load.engine.SourceAddresses;
import norc.load.report.ReportWriter;
import norc.load.report.RunResult;
import norc.load.run.Coordinator;
import norc.load.run.WorkerSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What {@code storm} and {@code chat} share: the servers and how to trust them (one server or
 * cluster, or {@code --federated} servers: {@link ServerTargets}), provisioning,
 * workers and source addresses, bounds, sampling and report options; and the run itself
 * (plan, coordinator, reports). Defaults target this machine's loopback only.
 */
abstract class RunCommand implements Callable<Integer> {
    static final String DEFAULT_SERVER = "wss://127.0.0.1:8443/norc-c";
    static final String DEFAULT_ADMIN = "http://127.0.0.1:8080";
    static final String DEFAULT_LOOPBACK_SOURCES = "127.0.0.2-127.0.0.9";

    @Option(names = "--server", paramLabel = "URI", description = "NORC-C endpoint; repeat for several "
            + "(sessions take them in turn; with --federated each is its own server). Default: " + DEFAULT_SERVER)
    List<URI> servers = new ArrayList<>();

    @Option(names = "--admin", paramLabel = "URL", description = "Operator API for provisioning (default: "
            + DEFAULT_ADMIN + "); with --federated once per --server, in the same order")
    List<URI> admins = new ArrayList<>();

    @Option(names = "--admin-token-file", paramLabel = "FILE", description = "The admin API's bearer token "
            + "(the server's norc.admin.token-file); with --federated once per --admin, in the same order. Default: "
            + "$NORC_ADMIN_TOKEN_FILE, else $NORC_DATA_DIR/admin/token, else data/admin/token, when it exists")
    List<Path> adminTokenFiles = new ArrayList<>();

    @Option(names = "--trust-cert", paramLabel = "PEM", description = "Trust exactly this server certificate; "
            + "with --federated once for all servers or once per --server, in the same order")
    List<Path> trustCerts = new ArrayList<>();

    @Option(names = "--federated", description = "Each --server is its own federated server (own domain, --admin "
            + "and --trust-cert): user i lives on server i mod n and connects to it alone, so the two devices of "
            + "a chat pair are on different servers and every message crosses the federation")
    boolean federated;

    @Option(names = "--insecure-loopback", description = "Accept any certificate (loopback servers only)")
    boolean insecureLoopback;

    @Option(names = "--json", description = "Use the norc-c-json-v1 subprotocol instead of binary")
    boolean json;

    @Option(names = "--suites", split = ",", paramLabel = "CODE",
            description = "Cipher suites to offer, in order (default: the SDK's, 0101,0001)")
    List<String> suites = new ArrayList<>();

    @Option(names = "--domain", description = "Domain of the generated user ids (default: the server's id, "
            + "asked with one handshake). Not with --federated, where each user's domain is its own server's id")
    String domain;

    @Option(names = "--user-prefix", description = "Local part prefix of user ids (default: load-<random>-)")
    String userPrefix;

    @Option(names = "--registration", defaultValue = "provisioned",
            description = "provisioned: users, tokens and devices made before the measured phase, which "
                    + "authenticates; storm: users and tokens before, devices register in the measured phase; "
                    + "open: no admin API, devices register without a token (default: ${DEFAULT-VALUE})")
    String registration;

    @Option(names = "--provision-concurrency", defaultValue = "32",
            description = "Provisioning calls in flight per worker (default: ${DEFAULT-VALUE})")
    int provisionConcurrency;

    @Option(names = "--workers", defaultValue = "auto",
            description = "Worker processes, or auto: as few as the open-file limit allows (default: ${DEFAULT-VALUE})")
    String workers;

    @Option(names = "--fork", description = "Run even a single worker as its own JVM")
    boolean fork;

    @Option(names = "--worker-jvm-option", paramLabel = "OPTION", description = "JVM option for worker JVMs")
    List<String> workerJvmOptions = new ArrayList<>();

    @Option(names = "--source-addresses", paramLabel = "LIST",
            description = "Local addresses to connect from, e.g. 127.0.0.2-127.0.0.9 (default for loopback "
                    + "servers: " + DEFAULT_LOOPBACK_SOURCES + "; none otherwise); 'none' lets the kernel choose")
    String sourceAddresses;

    @Option(names = "--io-threads", description = "Netty event-loop threads per worker (default: cores)")
    int ioThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--crypto-threads", description = "Crypto/callback threads per worker (default: cores)")
    int cryptoThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--connect-timeout", defaultValue = "10", description = "Seconds for TCP, TLS, upgrade each")
    int connectTimeout;

    @Option(names = "--request-timeout", defaultValue = "30", description = "Seconds for each NORC request")
    int requestTimeout;

    @Option(names = "--max-duration", description = "Hard bound on the measured phase in seconds "
            + "(default: the scenario's length plus 60)")
    Integer maxDuration;

    @Option(names = "--max-pending", defaultValue = "256",
            description = "Session setups in progress at most per worker; the ramp waits above it (default: ${DEFAULT-VALUE})")
    int maxPending;

    @Option(names = "--max-message-bytes", defaultValue = "262144", description = "Inbound message cap per session")
    int maxMessageBytes;

    @Option(names = "--reconnect", description = "A session whose connection is lost connects again (its next "
            + "--server in turn, exponential backoff with full jitter), authenticates and goes on; a send is "
            + "sent again with the same message_id (default in chat)")
    boolean reconnectOn;

    @Option(names = "--no-reconnect", description = "A lost connection ends its session (default in storm)")
    boolean reconnectOff;

    @Option(names = "--reconnect-base", defaultValue = "250ms", converter = DurationConverter.class,
            paramLabel = "DURATION", description = "Backoff: ceiling of the first delay (default: ${DEFAULT-VALUE})")
    Duration reconnectBase;

    @Option(names = "--reconnect-cap", defaultValue = "4s", converter = DurationConverter.class,
            paramLabel = "DURATION", description = "Backoff: largest delay (default: ${DEFAULT-VALUE})")
    Duration reconnectCap;

    @Option(names = "--drop", defaultValue = "0", paramLabel = "RATE",
            description = "Connections per second the generator cuts itself (TCP reset, no close) during the hold "
                    + "(storm) or the sending (chat), as a crash or the network would (default: ${DEFAULT-VALUE})")
    double drop;

    @Option(names = "--server-pid", paramLabel = "PID", description = "Sample this local server process's CPU and "
            + "memory (/proc); repeat to add up several (e.g. both servers of a federated run)")
    List<Long> serverPids = new ArrayList<>();

    @Option(names = "--server-metrics", paramLabel = "URL",
            description = "Sample CPU and memory from this Prometheus endpoint instead")
    URI serverMetrics;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory (default: norc-load-<scenario>-<time>)")
    Path out;

    @Option(names = "--progress", defaultValue = "AUTO",
            description = "AUTO (in place on a terminal, else every 5 s), LINE, OFF")
    Coordinator.Progress progress;

    @Spec
    CommandSpec commandSpec;

    /** The scenario's name. */
    abstract String scenario();

    /** Devices in the run. */
    abstract int devices();

    abstract double connectRate();

    /** Seconds the scenario lasts after the ramp. */
    abstract int scenarioSeconds();

    /** Whether sessions reconnect when neither --reconnect nor --no-reconnect is given. */
    abstract boolean reconnectByDefault();

    /** What chat waits after sending (0 elsewhere). */
    long drainMillis() {
        return 0;
    }

    boolean reconnect() {
        return reconnectOn || (!reconnectOff && reconnectByDefault());
    }

    /** The spec with this scenario's fields. */
    abstract WorkerSpec spec(String runId, String prefix, ServerTargets targets, int maxDurationSeconds);

    abstract void describe(Map<String, Object> settings);

    @Override
    public Integer call() throws Exception {
        try {
            return runScenario();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("norc-load: " + e.getMessage());
            return 1;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.io.IOException e) {
            Throwable cause = ErrorLabels.unwrap(e);
            Throwable root = cause.getCause() != null ? cause.getCause() : cause;
            System.err.println("norc-load: cannot reach the server (" + ErrorLabels.of(cause)
                    + (root.getMessage() != null ? ": " + root.getMessage() : "") + ")");
            return 1;
        }
    }

    private int runScenario() throws Exception {
        if (devices() <= 0) {
            throw new IllegalArgumentException("nothing to do: give a positive number of sessions");
        }
        if (!(connectRate() > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        if (!List.of("provisioned", "storm", "open").contains(registration)) {
            throw new IllegalArgumentException("--registration must be provisioned, storm or open");
        }
        ServerTargets targets;
        try {
            targets = ServerTargets.resolve(servers, admins, trustCerts, federated, registration.equals("open"));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        if (federated && domain != null) {
            throw new ParameterException(commandSpec.commandLine(),
                    "--domain does not go with --federated: each user's domain is its own server's id");
        }
        if (!trustCerts.isEmpty() && insecureLoopback) {
            throw new IllegalArgumentException("give --trust-cert or --insecure-loopback, not both");
        }
        if (reconnectOn && reconnectOff) {
            throw new IllegalArgumentException("give --reconnect or --no-reconnect, not both");
        }
        if (reconnectBase.isZero() || reconnectCap.compareTo(reconnectBase) < 0) {
            throw new IllegalArgumentException("--reconnect-base must be positive and not above --reconnect-cap");
        }
        if (drop < 0) {
            throw new IllegalArgumentException("--drop must not be negative");
        }
        boolean allLoopback = true;
        for (URI target : targets.endpoints()) {
            if (!"wss".equalsIgnoreCase(target.getScheme())) {
                throw new IllegalArgumentException("--server must be a wss:// address: " + target);
            }
            allLoopback &= TransportSecurity.isLoopback(target.getHost());
        }
        if (insecureLoopback && !allLoopback) {
            throw new IllegalArgumentException("--insecure-loopback works only with loopback servers");
        }
        List<InetAddress> sources = sourceAddresses == null
                ? (allLoopback ? SourceAddresses.parse(DEFAULT_LOOPBACK_SOURCES) : List.of())
                : sourceAddresses.equals("none") ? List.of() : SourceAddresses.parse(sourceAddresses);
        long ports = new SourceAddresses(sources).capacity(SourceAddresses.portsPerAddress());
        if (devices() > ports) {
            throw new IllegalArgumentException(devices() + " sessions need more ephemeral ports than " + ports
                    + ": give more --source-addresses");
        }
        long fileLimit = FileLimit.current().orElse(Long.MAX_VALUE);
        int workerCount = workers.equals("auto") ? FileLimit.workersNeeded(devices(), fileLimit)
                : Integer.parseInt(workers);
        if (workerCount <= 0) {
            throw new IllegalArgumentException("--workers must be positive");
        }
        long perWorker = (devices() + workerCount - 1L) / workerCount;
        FileLimit.check(perWorker, fileLimit, workerCount);

        String runId = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        String prefix = userPrefix != null ? userPrefix : "load-" + runId + "-";
        int rampSeconds = (int) Math.ceil(devices() / connectRate());
        int bound = maxDuration != null ? maxDuration
                : rampSeconds + scenarioSeconds() + connectTimeout * 3 + requestTimeout + 60;
        WorkerSpec whole = spec(runId, prefix, targets, bound);
        if (whole.federated()) {
            whole = whole.withHomeServers(askServerIds(whole));
        } else if (whole.domain() == null) {
            whole = whole.withDomain(Coordinator.discoverDomain(whole));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("devices", devices());
        settings.put("connect_rate_per_second", connectRate());
        describe(settings);
        settings.put("registration", registration);
        settings.put("reconnect", reconnect());
        if (reconnect()) {
            settings.put("reconnect_base_ms", reconnectBase.toMillis());
            settings.put("reconnect_cap_ms", reconnectCap.toMillis());
        }
        if (drop > 0) {
            settings.put("drop_per_second", drop);
        }
        settings.put("encoding", json ? "json" : "binary");
        settings.put("suites", suites.isEmpty() ? List.of("0101", "0001") : suites);
        settings.put("federated", whole.federated());
        if (!whole.federated()) {
            settings.put("domain", whole.domain());
        }
        settings.put("user_prefix", prefix);
        settings.put("source_addresses", sources.stream().map(InetAddress::getHostAddress).toList());
        settings.put("max_duration_seconds", bound);
        settings.put("max_pending_per_worker", maxPending);
        settings.put("open_file_limit", fileLimit == Long.MAX_VALUE ? -1 : fileLimit);
        if (!serverPids.isEmpty()) {
            settings.put("server_pids", serverPids);
        }

        String against = whole.federated() ? "federated " + whole.homeServers().stream()
                .map(h -> h.domain() + " " + h.endpoint()).collect(java.util.stream.Collectors.joining(", "))
                : String.join(" ", whole.endpoints());
        System.err.printf("norc-load %s: %d devices over %d worker(s) at %.1f/s against %s%n", scenario(), devices(),
                workerCount, connectRate(), against);
        Coordinator coordinator = new Coordinator(new Coordinator.Options(workerCount, fork, sources, serverPids,
                serverMetrics, workerJvmOptions, progress, settings), System.err);
        RunResult result = coordinator.run(whole);
        Path directory = out != null ? out : Path.of("norc-load-" + scenario() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        ReportWriter.writeAll(result, directory);
        System.out.print(ReportWriter.summary(result));
        System.out.println("  report: " + directory.resolve("report.html") + " (also report.json, series.csv)");
        return 0;
    }

    /**
     * Each federated server's id (its users' domain), asked with one handshake per server; two
     * endpoints of one server are refused, since its users would not be across a federation.
     */
    private static List<WorkerSpec.HomeServer> askServerIds(WorkerSpec whole) throws Exception {
        List<WorkerSpec.HomeServer> out = new ArrayList<>();
        Map<String, String> endpointOf = new LinkedHashMap<>();
        for (WorkerSpec.HomeServer home : whole.homeServers()) {
            String id = Coordinator.discoverServerId(whole, home.endpoint());
            String other = endpointOf.putIfAbsent(id, home.endpoint());
            if (other != null) {
                throw new IllegalArgumentException("--federated: " + other + " and " + home.endpoint()
                        + " are both " + id + "; give each federated server once (nodes of one server or cluster "
                        + "go without --federated)");
            }
            out.add(home.withDomain(id));
        }
        return out;
    }

    WorkerSpec baseSpec(String runId, String prefix, ServerTargets targets, int bound, int holdSeconds,
                        double churn, double messagesPerMinute, int burst, int messageBytes, int chatSeconds,
                        int maxInFlight) {
        return new WorkerSpec(scenario(), 0, runId, prefix, domain, 0, devices(),
                targets.endpoints().stream().map(URI::toString).toList(),
                targets.trustCert() == null ? null : targets.trustCert().toAbsolutePath().toString(), insecureLoopback,
                json ? "json" : "binary", suites, List.of(), ioThreads, cryptoThreads, connectRate(), holdSeconds,
                churn, registration, targets.admin() == null ? null : targets.admin().toString(), provisionConcurrency, messagesPerMinute, burst, messageBytes,
                chatSeconds, maxInFlight, connectTimeout, requestTimeout, bound, maxMessageBytes, maxPending,
                reconnect(), reconnectBase.toMillis(), reconnectCap.toMillis(), drop, drainMillis(),
                targets.homeServers(), adminTokenFiles(targets));
    }

    /** Each admin API's token file, by address: as given (one per --admin), else the server's default if it exists. */
    Map<String, String> adminTokenFiles(ServerTargets targets) {
        List<String> urls = targets.homeServers().isEmpty()
                ? (targets.admin() == null ? List.of() : List.of(targets.admin().toString()))
                : targets.homeServers().stream().map(WorkerSpec.HomeServer::adminUrl).filter(java.util.Objects::nonNull).toList();
        Map<String, String> files = new java.util.LinkedHashMap<>();
        if (adminTokenFiles.isEmpty()) {
            Path fallback = defaultTokenFile(System.getenv());
            if (java.nio.file.Files.isReadable(fallback)) {
                urls.forEach(url -> files.put(url, fallback.toAbsolutePath().toString()));
            }
            return files;
        }
        if (adminTokenFiles.size() != urls.size()) {
            throw new IllegalArgumentException("--admin-token-file is given once per --admin (got " + adminTokenFiles.size()
                    + " for " + urls.size() + ")");
        }
        for (int i = 0; i < urls.size(); i++) {
            files.put(urls.get(i), adminTokenFiles.get(i).toAbsolutePath().toString());
        }
        return files;
    }

    static Path defaultTokenFile(Map<String, String> env) {
        String file = env.get("NORC_ADMIN_TOKEN_FILE");
        if (file != null && !file.isEmpty()) {
            return Path.of(file);
        }
        String dataDir = env.getOrDefault("NORC_DATA_DIR", "");
        return Path.of(dataDir.isEmpty() ? "data" : dataDir, "admin", "token");
    }
}
