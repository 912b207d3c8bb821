package norc.bench;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.session.ClientHandshake;
import norc.session.ServerHandshake;
import norc.session.SessionKeys;
import norc.wire.BinaryCodec;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireLimits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The NORC-C handshake (profile §3), binary codec.
 *
 * <ul>
 *   <li>{@link #serverRespond}: what a server spends per connection. One canonical
 *   {@code connection_request} is built at set-up; each call runs {@code ServerHandshake.respond}
 *   on those bytes exactly as a server would: decode and canonicality check, version and suite
 *   selection, a fresh ephemeral (X25519 key pair, 16-byte nonce, {@code UUID.randomUUID()}
 *   session id), X25519 agreement, for 0101 ML-KEM-768 encapsulation, encoding
 *   {@code connection_accepted} twice (without and with the signature), the transcript hash, the
 *   Ed25519 signature and three HKDF-BLAKE3 derivations. Replaying the same request bytes is
 *   fine: the server keeps no per-request state.</li>
 *   <li>{@link #clientAndServer0001} / {@link #clientAndServer0101}: a whole handshake, both sides
 *   in one thread: {@code ClientHandshake.start} (client ephemeral, and for 0101 an ML-KEM key
 *   pair), the server's {@code respond}, and {@code ClientHandshake.finish} (decode, downgrade
 *   checks, signature verification, agreement, for 0101 decapsulation, key schedule). The client
 *   part alone is roughly this minus {@link #serverRespond} of the same suite; it cannot be timed
 *   against a pre-computed answer because every run needs a fresh client ephemeral.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeBenchmark {
    static final List<ProtocolVersion> SERVER_VERSIONS = List.of(new ProtocolVersion(2, 0),
            new ProtocolVersion(1, 2), new ProtocolVersion(1, 1), new ProtocolVersion(1, 0));
    static final List<String> CAPABILITIES = List.of("e2ee", "messaging");

    /** A server identity and configuration preferring 0101, then 0001. */
    static ServerHandshake.Config serverConfig(SecureRandom random) {
        Ed25519.KeyPair identity = Ed25519.generate(random);
        return new ServerHandshake.Config(SERVER_VERSIONS, List.of(CipherSuite.S0101, CipherSuite.S0001),
                List.of("e2ee", "federation", "messaging"),
                new ServerHandshake.Identity("a.example", identity.secretKey(), identity.publicKey()));
    }

    static ClientHandshake.Offer offer(CipherSuite suite) {
        List<CipherSuite> suites = suite == CipherSuite.S0101
                ? List.of(CipherSuite.S0101, CipherSuite.S0001) : List.of(CipherSuite.S0001);
        return new ClientHandshake.Offer(List.of("2.0", "1.2"), suites, CAPABILITIES);
    }

    /** The server side with a fixed, pre-built request. */
    @State(Scope.Thread)
    public static class ServerState {
        @Param({"0001", "0101"})
        public String suite;

        SecureRandom random;
        ServerHandshake.Config config;
        Codec codec;
        byte[] requestBytes;

        @Setup
        public void setUp() {
            random = BenchRandom.create();
            config = serverConfig(random);
            codec = new BinaryCodec(WireLimits.DEFAULT);
            CipherSuite wanted = CipherSuite.fromCode(suite);
            requestBytes = ClientHandshake.start(offer(wanted), codec, random).requestBytes();
            ServerHandshake.Result check = ServerHandshake.respond(config, codec, requestBytes, random);
            if (check.keys().suite() != wanted) {
                throw new IllegalStateException("negotiated " + check.keys().suite() + ", wanted " + wanted);
            }
        }
    }

    /** Both sides, for the pair benchmarks (no suite parameter: each method names its suite). */
    @State(Scope.Thread)
    public static class PairState {
        SecureRandom random;
        ServerHandshake.Config config;
        Codec codec;
        ClientHandshake.Offer offer0001;
        ClientHandshake.Offer offer0101;

        @Setup
        public void setUp() {
            random = BenchRandom.create();
            config = serverConfig(random);
            codec = new BinaryCodec(WireLimits.DEFAULT);
            offer0001 = offer(CipherSuite.S0001);
            offer0101 = offer(CipherSuite.S0101);
            for (ClientHandshake.Offer offer : List.of(offer0001, offer0101)) {
                SessionKeys keys = handshake(this, offer);
                if (keys.suite() != offer.suites().get(0)) {
                    throw new IllegalStateException("negotiated " + keys.suite());
                }
            }
        }
    }

    static SessionKeys handshake(PairState s, ClientHandshake.Offer offer) {
        ClientHandshake client = ClientHandshake.start(offer, s.codec, s.random);
        ServerHandshake.Result server = ServerHandshake.respond(s.config, s.codec, client.requestBytes(), s.random);
        return client.finish(server.acceptedBytes(), s.config.identity().publicKey());
    }

    @Benchmark
    public ServerHandshake.Result serverRespond(ServerState s) {
        return ServerHandshake.respond(s.config, s.codec, s.requestBytes, s.random);
    }

    @Benchmark
    public SessionKeys clientAndServer0001(PairState s) {
        return handshake(s, s.offer0001);
    }

    @Benchmark
    public SessionKeys clientAndServer0101(PairState s) {
        return handshake(s, s.offer0101);
    }
}
