package norc.load.cli;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import norc.client.ClientListener;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.TextContent;
import norc.load.engine.AdminApi;
import norc.load.net.NettyConnector;
import norc.load.report.ServerSampler;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.InvitedRole;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code norc-load fanout}: groups of {@code --members} devices (one device per user), in which
 * {@code --senders} members each send end-to-end encrypted group messages at a rate for
 * {@code --duration}; every other member's device receives each. Measures deliveries per second,
 * the end-to-end latency of each delivery (from the {@code sent_at} inside the decrypted
 * content), and with {@code --server-pid} the server's CPU per delivery. One process, no workers:
 * mind the open-file limit for large groups (one socket per member).
 */
@Command(name = "fanout", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Group fan-out: G groups of N members; S members of each send at a rate; every other member "
                + "device receives. Reports deliveries/s, end-to-end latency per delivery, and server CPU per delivery.")
public final class FanoutCommand implements Callable<Integer> {
    @Option(names = "--server", defaultValue = RunCommand.DEFAULT_SERVER, paramLabel = "URI", description = "NORC-C endpoint")
    URI server;

    @Option(names = "--admin", defaultValue = RunCommand.DEFAULT_ADMIN, paramLabel = "URL", description = "Operator API")
    URI admin;

    @Option(names = "--admin-token-file", defaultValue = "data/admin/token", paramLabel = "FILE", description = "The admin token")
    Path tokenFile;

    @Option(names = "--trust-cert", paramLabel = "PEM", description = "Trust exactly this server certificate")
    Path trustCert;

    @Option(names = "--insecure-loopback", description = "Accept any certificate (loopback servers only)")
    boolean insecureLoopback;

    @Option(names = "--members", required = true, description = "Members per group")
    int members;

    @Option(names = "--groups", defaultValue = "1", description = "Groups (default: ${DEFAULT-VALUE})")
    int groups;

    @Option(names = "--senders", defaultValue = "0", description = "Sending members per group; 0: all (default: ${DEFAULT-VALUE})")
    int senders;

    @Option(names = "--messages-per-minute", defaultValue = "60", description = "Per sender (default: ${DEFAULT-VALUE})")
    double messagesPerMinute;

    @Option(names = {"-t", "--duration"}, defaultValue = "30", description = "Seconds of sending (default: ${DEFAULT-VALUE})")
    int duration;

    @Option(names = "--drain", defaultValue = "20", description = "Seconds to wait for the last deliveries (default: ${DEFAULT-VALUE})")
    int drain;

    @Option(names = "--server-pid", description = "The server's process id, to measure its CPU per delivery")
    Long serverPid;

    @Option(names = "--connect-rate", defaultValue = "100", description = "New sessions per second (default: ${DEFAULT-VALUE})")
    double connectRate;

    @Option(names = "--json", description = "Print the result as one JSON object")
    boolean json;

    private final Recorder latency = new Recorder(3_600_000_000L, 3);
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong shownTwice = new AtomicLong();

    private volatile boolean measuring;

    @Override
    public Integer call() throws Exception {
        if (members < 2 || groups < 1 || senders < 0 || senders > members || !(messagesPerMinute > 0) || duration <= 0) {
            throw new IllegalArgumentException("members ≥ 2, groups ≥ 1, 0 ≤ senders ≤ members, positive rate and duration");
        }
        SecureRandom random = new SecureRandom();
        String token = Files.readString(tokenFile).strip();
        AdminApi api = new AdminApi(admin, Duration.ofSeconds(30), token);
        NettyConnector.Trust trust = insecureLoopback ? new NettyConnector.Trust.InsecureLoopback()
                : trustCert != null ? new NettyConnector.Trust.CertificateFile(trustCert.toFile()) : new NettyConnector.Trust.SystemTrust();
        ExecutorService callbacks = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(1);
        List<NorcClient> clients = new ArrayList<>();
        try (NettyConnector connector = new NettyConnector(new NettyConnector.Settings(trust, Runtime.getRuntime().availableProcessors(),
                Duration.ofSeconds(10), 8 * 1024 * 1024))) {
            String prefix = "fan-" + Long.toString(random.nextLong() & 0xffffffL, 36) + "-";
            String domain = null;
            List<List<NorcClient>> byGroup = new ArrayList<>();
            List<List<String>> usersByGroup = new ArrayList<>();
            long pause = (long) (1000 / connectRate);
            for (int g = 0; g < groups; g++) {
                List<NorcClient> groupClients = new ArrayList<>();
                List<String> users = new ArrayList<>();
                for (int m = 0; m < members; m++) {
                    NettyConnector.Connected connected = connector.connect(server, null, WireEncoding.BINARY).get(30, TimeUnit.SECONDS);
                    NorcClient client = NorcClient.connect(connected.transport(), WireEncoding.BINARY, NorcClient.Options.defaults()
                            .withExecutor(callbacks).withListener(listener()).withRequestTimeout(Duration.ofSeconds(60)))
                            .get(30, TimeUnit.SECONDS);
                    if (domain == null) {
                        domain = client.serverId();
                    }
                    String user = prefix + g + "-" + m + "@" + domain;
                    api.createUser(user).get(30, TimeUnit.SECONDS);
                    DeviceIdentity identity = DeviceIdentity.create(user, "fanout", random);
                    client.register(identity, api.enrollmentToken(user).get(30, TimeUnit.SECONDS)).get(30, TimeUnit.SECONDS);
                    groupClients.add(client);
                    clients.add(client);
                    users.add(user);
                    Thread.sleep(pause);
                }
                byGroup.add(groupClients);
                usersByGroup.add(users);
            }
            System.err.println("norc-load: " + clients.size() + " sessions up; creating " + groups + " group(s)");
            List<UUID> groupIds = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                Map<String, InvitedRole> invited = new LinkedHashMap<>();
                usersByGroup.get(g).subList(1, members).forEach(u -> invited.put(u, InvitedRole.MEMBER));
                groupIds.add(byGroup.get(g).get(0).createGroup(invited, "fanout " + g).get(120, TimeUnit.SECONDS).conversationId());
            }
            Thread.sleep(3000); // every member's inbox gets the creation before messages
            double cpuBefore = cpuSeconds(serverPid);
            long started = System.nanoTime();
            measuring = true;
            int sending = senders == 0 ? members : senders;
            long periodMicros = (long) (60_000_000 / messagesPerMinute);
            List<java.util.concurrent.ScheduledFuture<?>> tasks = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                for (int s = 0; s < sending; s++) {
                    NorcClient sender = byGroup.get(g).get(s);
                    UUID group = groupIds.get(g);
                    long offset = random.nextLong(periodMicros);
                    tasks.add(clock.scheduleAtFixedRate(() -> send(sender, group), offset, periodMicros, TimeUnit.MICROSECONDS));
                }
            }
            Thread.sleep(duration * 1000L);
            tasks.forEach(t -> t.cancel(false));
            long sendEnded = System.nanoTime();
            long expected;
            long until = System.nanoTime() + drain * 1_000_000_000L;
            do { // every send answered, and every accepted one delivered
                Thread.sleep(200);
                expected = accepted.get() * (members - 1);
            } while ((delivered.get() < expected || accepted.get() + refused.get() < sent.get()) && System.nanoTime() < until);
            long ended = System.nanoTime();
            double cpuAfter = cpuSeconds(serverPid);
            measuring = false;
            report(sendEnded - started, ended - started, expected, cpuAfter - cpuBefore);
        } finally {
            clients.forEach(NorcClient::close);
            clock.shutdownNow();
            callbacks.shutdown();
        }
        return 0;
    }

    private void send(NorcClient sender, UUID group) {
        byte[] content = new TextContent("fanout", micros()).encode();
        sent.incrementAndGet();
        try {
            sender.sendToGroup(group, content).whenComplete((sent, error) -> {
                if (error == null) {
                    accepted.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                    if (refused.get() == 1) {
                        System.err.println("norc-load: a send failed (first of its kind reported): " + error);
                    }
                }
            });
        } catch (RuntimeException e) { // a periodic task that throws is never run again
            refused.incrementAndGet();
            System.err.println("norc-load: a send failed at once: " + e);
        }
    }

    private ClientListener listener() {
        java.util.Set<UUID> mine = java.util.concurrent.ConcurrentHashMap.newKeySet();
        return new ClientListener() {
            @Override
            public void onMessage(ReceivedMessage message) {
                if (!measuring) {
                    return;
                }
                if (!mine.add(message.messageId())) {
                    shownTwice.incrementAndGet();
                    return;
                }
                TextContent.decode(message.content()).ifPresent(text -> {
                    latency.recordValue(Math.max(1, micros() - text.sentAtMicros()));
                    delivered.incrementAndGet();
                });
            }
        };
    }

    private void report(long sendingNanos, long totalNanos, long expected, double cpuSeconds) {
        org.HdrHistogram.Histogram h = latency.getIntervalHistogram();
        double seconds = totalNanos / 1e9;
        long deliveries = delivered.get();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("members", members);
        result.put("groups", groups);
        result.put("senders_per_group", senders == 0 ? members : senders);
        result.put("messages_per_minute_per_sender", messagesPerMinute);
        result.put("sending_seconds", sendingNanos / 1e9);
        result.put("messages_accepted", accepted.get());
        result.put("messages_refused", refused.get());
        result.put("messages_unanswered", sent.get() - accepted.get() - refused.get());
        result.put("deliveries", deliveries);
        result.put("deliveries_expected", expected);
        result.put("deliveries_lost", Math.max(0, expected - deliveries));
        result.put("deliveries_shown_twice", shownTwice.get());
        result.put("deliveries_per_second", deliveries / seconds);
        result.put("latency_p50_ms", h.getValueAtPercentile(50) / 1000.0);
        result.put("latency_p99_ms", h.getValueAtPercentile(99) / 1000.0);
        result.put("latency_max_ms", h.getMaxValue() / 1000.0);
        if (!Double.isNaN(cpuSeconds) && deliveries > 0) {
            result.put("server_cpu_seconds", cpuSeconds);
            result.put("server_cpu_us_per_delivery", cpuSeconds * 1e6 / deliveries);
        }
        if (json) {
            StringBuilder out = new StringBuilder("{");
            result.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k).append("\":")
                    .append(v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v));
            System.out.println(out.append('}'));
        } else {
            result.forEach((k, v) -> System.out.println(k + ": " + (v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : v)));
        }
    }

    /** The server's CPU seconds so far from /proc, or NaN without a pid. */
    private static double cpuSeconds(Long pid) {
        if (pid == null) {
            return Double.NaN;
        }
        try {
            return ServerSampler.cpuSecondsFromStat(Files.readString(Path.of("/proc", pid.toString(), "stat"), StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            return Double.NaN;
        }
    }

    private static long micros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
