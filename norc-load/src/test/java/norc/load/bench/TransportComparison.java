package norc.load.bench;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import norc.client.TransportSecurity;
import norc.load.engine.SourceAddresses;
import norc.load.net.NettyConnector;
import norc.load.net.NettyTransport;
import norc.load.testpeer.EchoPeer;
import norc.client.Transport;
import norc.wire.WireEncoding;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgradeResponse;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Measures the two candidate client transports for the load generator on this machine (issue 4:
 * "measure pekko-http's client against Netty directly and keep the faster"): N TLS 1.3
 * WebSocket connections (subprotocol norc-c-v1) to a local echo server, opened with at most 200
 * in flight, from rotating loopback source addresses; then M round trips of a 256-byte binary
 * message on every connection at once. Reports connects per second, connect and round-trip
 * percentiles, and the client process's CPU time per connection and per round trip. Both
 * clients use the JDK's TLS, so the difference is the I/O and WebSocket stack. Not a test; run:
 *
 * <pre>java -cp &lt;test classpath&gt; norc.load.bench.TransportComparison [connections] [roundTrips]</pre>
 */
public final class TransportComparison {
    private static final int IN_FLIGHT = 200;
    private static final byte[] PAYLOAD = new byte[256];

    /** One open connection as the benchmark drives it. */
    interface Conn {
        CompletableFuture<Void> roundTrip();

        void close();
    }

    interface Client extends AutoCloseable {
        String name();

        CompletableFuture<Conn> open(InetAddress source);

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int roundTrips = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("norc-transport-bench");
        try (EchoPeer peer = new EchoPeer(dir, 1)) {
            SSLContext trust = TransportSecurity.trustCertificate(peer.certificatePem(), null);
            for (int round = 1; round <= 2; round++) {
                try (Client netty = new NettyClient(peer)) {
                    measure(netty, connections, roundTrips, round);
                }
                try (Client pekko = new PekkoClient(peer, trust)) {
                    measure(pekko, connections, roundTrips, round);
                }
            }
        }
    }

    private static void measure(Client client, int connections, int roundTrips, int round) throws Exception {
        SourceAddresses sources = new SourceAddresses(SourceAddresses.parse("127.0.0.2-127.0.0.5"));
        Histogram connect = new Histogram(3_600_000_000L, 3);
        Histogram rtt = new Histogram(3_600_000_000L, 3);
        ConcurrentLinkedQueue<Conn> open = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        int[] failures = {0};
        for (int i = 0; i < connections; i++) {
            inFlight.acquire();
            long started = System.nanoTime();
            all.add(client.open(sources.next()).handle((conn, error) -> {
                inFlight.release();
                if (error != null) {
                    synchronized (failures) {
                        failures[0]++;
                    }
                    return null;
                }
                synchronized (connect) {
                    connect.recordValue((System.nanoTime() - started) / 1000);
                }
                open.add(conn);
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        long connectCpu = cpuNanos() - cpu0;

        long cpu1 = cpuNanos();
        long t1 = System.nanoTime();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (Conn conn : open) {
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int k = 0; k < roundTrips; k++) {
                chain = chain.thenCompose(ignored -> {
                    long s = System.nanoTime();
                    return conn.roundTrip().thenRun(() -> {
                        synchronized (rtt) {
                            rtt.recordValue((System.nanoTime() - s) / 1000);
                        }
                    });
                });
            }
            loops.add(chain);
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        double rttSeconds = (System.nanoTime() - t1) / 1e9;
        long rttCpu = cpuNanos() - cpu1;
        open.forEach(Conn::close);
        int ok = connections - failures[0];
        System.out.printf(Locale.ROOT, "round %d %-6s connects %d ok %d failed: %.0f/s, connect p50 %.1f p99 %.1f ms, "
                        + "cpu %.2f ms/conn | %d round trips: %.0f/s, rtt p50 %.2f p99 %.2f ms, cpu %.1f us/rt%n",
                round, client.name(), ok, failures[0], ok / connectSeconds, connect.getValueAtPercentile(50) / 1000.0,
                connect.getValueAtPercentile(99) / 1000.0, connectCpu / 1e6 / Math.max(1, ok), rtt.getTotalCount(),
                rtt.getTotalCount() / rttSeconds, rtt.getValueAtPercentile(50) / 1000.0,
                rtt.getValueAtPercentile(99) / 1000.0, rttCpu / 1e3 / Math.max(1, rtt.getTotalCount()));
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The load generator's own transport. */
    static final class NettyClient implements Client {
        private final NettyConnector connector;
        private final EchoPeer peer;

        NettyClient(EchoPeer peer) throws Exception {
            this.peer = peer;
            this.connector = new NettyConnector(new NettyConnector.Settings(
                    new NettyConnector.Trust.CertificateFile(peer.certificatePem().toFile()), 2, Duration.ofSeconds(30),
                    65536));
        }

        @Override
        public String name() {
            return "netty";
        }

        @Override
        public CompletableFuture<Conn> open(InetAddress source) {
            return connector.connect(peer.endpoint(), source, WireEncoding.BINARY).thenApply(connected -> {
                NettyTransport transport = connected.transport();
                ConcurrentLinkedQueue<CompletableFuture<Void>> waiting = new ConcurrentLinkedQueue<>();
                transport.start(new Transport.Listener() {
                    @Override
                    public void onMessage(byte[] message) {
                        CompletableFuture<Void> f = waiting.poll();
                        if (f != null) {
                            f.complete(null);
                        }
                    }

                    @Override
                    public void onClose(int statusCode, String reason) {}

                    @Override
                    public void onError(Throwable error) {}
                });
                return new Conn() {
                    @Override
                    public CompletableFuture<Void> roundTrip() {
                        CompletableFuture<Void> f = new CompletableFuture<>();
                        waiting.add(f);
                        transport.send(PAYLOAD);
                        return f;
                    }

                    @Override
                    public void close() {
                        transport.close();
                    }
                };
            });
        }

        @Override
        public void close() {
            connector.close();
        }
    }

    /** pekko-http's client WebSocket, one materialized flow per connection. */
    static final class PekkoClient implements Client {
        private final ActorSystem system = ActorSystem.create("bench",
                com.typesafe.config.ConfigFactory.parseString("pekko.loglevel = WARNING\n"
                        + "pekko.http.client.idle-timeout = infinite\n")
                        .withFallback(com.typesafe.config.ConfigFactory.load()));
        private final Materializer materializer = Materializer.createMaterializer(system);
        private final Http http = Http.get(system);
        private final EchoPeer peer;
        private final ConnectionContext https;

        PekkoClient(EchoPeer peer, SSLContext trust) {
            this.peer = peer;
            this.https = ConnectionContext.httpsClient(trust);
        }

        @Override
        public String name() {
            return "pekko";
        }

        @Override
        public CompletableFuture<Conn> open(InetAddress source) {
            ConcurrentLinkedQueue<CompletableFuture<Void>> waiting = new ConcurrentLinkedQueue<>();
            Consumer<Message> onMessage = message -> {
                CompletableFuture<Void> f = waiting.poll();
                if (f != null) {
                    f.complete(null);
                }
            };
            Flow<Message, Message, BoundedSourceQueue<Message>> flow = Flow.fromSinkAndSourceMat(
                    Sink.<Message>foreach(m -> {
                        if (m.isStrict()) {
                            onMessage.accept(m);
                        } else {
                            m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer)
                                    .thenRun(() -> onMessage.accept(m));
                        }
                    }),
                    Source.<Message>queue(64), Keep.right());
            ClientConnectionSettings settings = ClientConnectionSettings.create(system)
                    .withLocalAddress(Optional.of(new InetSocketAddress(source, 0)));
            Pair<CompletionStage<WebSocketUpgradeResponse>, BoundedSourceQueue<Message>> pair =
                    http.singleWebSocketRequest(WebSocketRequest.create(peer.endpoint().toString())
                            .requestSubprotocol("norc-c-v1"), flow, https, Optional.empty(), settings,
                            system.log(), materializer);
            BoundedSourceQueue<Message> queue = pair.second();
            return pair.first().toCompletableFuture().thenApply(upgrade -> {
                if (!upgrade.isValid()) {
                    throw new IllegalStateException("upgrade refused");
                }
                return new Conn() {
                    @Override
                    public CompletableFuture<Void> roundTrip() {
                        CompletableFuture<Void> f = new CompletableFuture<>();
                        waiting.add(f);
                        queue.offer(BinaryMessage.create(ByteString.fromArray(PAYLOAD)));
                        return f;
                    }

                    @Override
                    public void close() {
                        queue.complete();
                    }
                };
            });
        }

        @Override
        public void close() {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }
}
