package norc.server.connection;

import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.crypto.MlKem768;
import norc.error.NorcException;
import norc.server.ServerSettings;
import norc.server.audit.AuditLog;
import norc.server.crypto.CryptoPool;
import norc.server.metrics.ServerMetrics;
import norc.session.ClientHandshake;
import norc.session.ServerHandshake;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.AuthResponse;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.testkit.typed.Effect;
import org.apache.pekko.actor.testkit.typed.javadsl.BehaviorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One real {@link ConnectionActor} under a {@link BehaviorTestKit}: synchronous on the calling
 * thread, so an execution is reproducible and an exception escaping the actor reaches the caller
 * with its stack. Handshake and signature crypto run inline ({@link CryptoPool#on}), every ask is
 * answered at once by the {@link StubNode} (in an outage it times out at once), and the
 * {@link RecordingSocket} delivers a message only when the actor asked for one, as the transport
 * does. After each message the actor must be settled: asking for the next one, or closed. What it
 * wrote is held to {@link ServerAnswers}.
 */
final class ConnectionHarness implements AutoCloseable {

    /** The states of {@link ConnectionActor} that read the client, and how the harness gets there. */
    enum State { AWAITING_HELLO, AUTHENTICATING, ESTABLISHED }

    /**
     * Open registration (with and without a token); a 2 KiB payload limit and session budgets small
     * enough that an input of a few KB can pass them. Every hello of the legitimate client fits.
     */
    static final ServerSettings SETTINGS = settings("open");
    /** The same, but registration by enrollment token only. */
    private static final ServerSettings TOKEN_ONLY_SETTINGS = settings("token");
    static final WireLimits LIMITS = new WireLimits(SETTINGS.maxPayload(), WireLimits.DEFAULT.maxCollectionCount(),
            WireLimits.DEFAULT.maxStringBytes());

    private static final byte[] IDENTITY_SECRET = LegitimateDevice.filled(32, 0x5A);
    private static final byte[] IDENTITY_PUBLIC = Ed25519.publicKeyOf(IDENTITY_SECRET);
    private static final ServerHandshake.Config HANDSHAKE = new ServerHandshake.Config(SETTINGS.versions(), SETTINGS.suites(),
            SETTINGS.capabilities(), new ServerHandshake.Identity(SETTINGS.serverId(), IDENTITY_SECRET, IDENTITY_PUBLIC));
    private static final CryptoPool INLINE_CRYPTO = CryptoPool.on(Runnable::run);
    private static final ServerMetrics METRICS = new ServerMetrics();
    /** The client's ephemeral values are fixed (the server's are not): no key generation per execution. */
    private static final byte[] CLIENT_EPHEMERAL = LegitimateDevice.filled(32, 0x70);
    private static final byte[] CLIENT_NONCE = LegitimateDevice.filled(16, 0x71);
    private static final MlKem768.KeyPair CLIENT_PQ = MlKem768.fromSeed(LegitimateDevice.filled(64, 0x72));
    static final long CLIENT_INITIAL_SEQUENCE = 0x00C0_FFEEL;
    /** Far more than any input needs; more means the actor keeps messaging itself. */
    private static final int MAX_SETTLE_ROUNDS = 10_000;

    /**
     * Every connection is spawned as a child of this one kit, so that their kits share its stubbed
     * actor system: a kit of its own would cost about 1 ms per execution (Pekko validating its
     * settings), more than the connection's own work. Not thread-safe: one fuzzing thread.
     */
    private static final BehaviorTestKit<Parent> PARENT = BehaviorTestKit.create(Behaviors.setup(ConnectionHarness::parent));
    private static final TestInbox<ActorRef<ConnectionActor.Command>> SPAWNED = TestInbox.create();

    private sealed interface Parent {}

    private record Spawn(Behavior<ConnectionActor.Command> connection) implements Parent {}

    private record Forget(ActorRef<ConnectionActor.Command> connection) implements Parent {}

    private final FuzzInput.Session session;
    private final Codec codec;
    private final RecordingSocket socket = new RecordingSocket();
    private final StubNode node = new StubNode();
    private final ServerAnswers answers;
    private final List<ServerAnswers.Written> played = new ArrayList<>();
    private final ActorRef<ConnectionActor.Command> connection;
    private final BehaviorTestKit<ConnectionActor.Command> kit;
    private ClientSealer client;
    private byte[] lastDelivered = new byte[0];
    /** Set once the state under test is reached, in an outage: asks then time out instead of being answered. */
    private boolean entitiesDown;

    private ConnectionHarness(FuzzInput.Session session) {
        this.session = session;
        this.codec = session.encoding().codec(LIMITS);
        this.answers = new ServerAnswers(codec);
        ConnectionActor.Env env = new ConnectionActor.Env(session.tokenOnly() ? TOKEN_ONLY_SETTINGS : SETTINGS, HANDSHAKE, IDENTITY_SECRET, node, node.router(),
                node.supervisor(), INLINE_CRYPTO, METRICS, AuditLog.none());
        PARENT.run(new Spawn(ConnectionActor.create(env, session.encoding(), InetAddress.getLoopbackAddress(), socket,
                System.nanoTime())));
        this.connection = SPAWNED.receiveMessage();
        this.kit = PARENT.childTestKit(connection);
        settle();
    }

    /** A new connection brought to {@code state} by the legitimate client. */
    static ConnectionHarness inState(State state, FuzzInput.Session session) {
        ConnectionHarness harness = new ConnectionHarness(session);
        if (state != State.AWAITING_HELLO) {
            harness.handshake();
        }
        if (state == State.ESTABLISHED) {
            harness.authenticate();
        }
        return harness;
    }

    /** Runs the legitimate client's handshake (profile §3); the connection is then authenticating. */
    private void handshake() {
        ClientHandshake hello = legitimateHello(session, codec);
        List<ServerAnswers.Written> written = deliver(new InboundFrame.Data(hello.requestBytes()));
        if (written.size() != 1 || !(written.get(0).message().orElse(null) instanceof ConnectionAccepted)) {
            throw new AssertionError("the legitimate handshake was not accepted");
        }
        SessionKeys keys = hello.finish(written.get(0).bytes(), IDENTITY_PUBLIC);
        client = new ClientSealer(keys, codec, CLIENT_INITIAL_SEQUENCE);
        answers.keysKnown(client);
    }

    /** Authenticates as {@link LegitimateDevice} (profile §5); the connection is then established. */
    private void authenticate() {
        byte[] frame = client.seal(LegitimateDevice.authRequest(client.keys().transcriptHash(), codec, nowMicros()));
        List<ServerAnswers.Written> written = deliver(new InboundFrame.Data(frame));
        NorcMessage answer = written.size() == 1 ? written.get(0).message().orElse(null) : null;
        if (!(answer instanceof AuthResponse response) || response.status() != AuthStatus.AUTHENTICATED
                || !socket.isAuthenticated()) {
            throw new AssertionError("the legitimate authentication was not accepted");
        }
    }

    /** Delivers each step's message while the connection asks for more; once it closed, the transport drops the rest. */
    void play(List<FuzzInput.Step> steps) {
        entitiesDown = session.outage();
        for (FuzzInput.Step step : steps) {
            if (!socket.readyForMessage()) {
                return;
            }
            played.addAll(deliver(frameFor(step)));
        }
    }

    /** What the server wrote in answer to {@link #play}, in order. */
    List<ServerAnswers.Written> played() {
        return List.copyOf(played);
    }

    boolean socketClosed() {
        return socket.closed();
    }

    /**
     * The connection is stopped, as its supervisor or the node would stop it ({@code PostStop}: the
     * kit does not send it by itself). It must only close its socket and detach from its device:
     * a write after the close fails in the {@link RecordingSocket}.
     */
    @Override
    public void close() {
        try {
            if (kit.isAlive()) {
                kit.signal(PostStop.instance());
            }
        } finally {
            PARENT.run(new Forget(connection));
            PARENT.getAllEffects();
        }
    }

    private List<ServerAnswers.Written> deliver(InboundFrame frame) {
        socket.deliverOne();
        if (frame instanceof InboundFrame.Data data) {
            lastDelivered = data.bytes();
        }
        kit.run(new ConnectionActor.Inbound(frame));
        settle();
        List<ServerAnswers.Written> written = new ArrayList<>();
        for (byte[] message : socket.drainWritten()) {
            written.add(answers.check(message));
        }
        if (!kit.isAlive()) {
            throw new AssertionError("the connection stopped while its socket was open");
        }
        if (!socket.readyForMessage() && !socket.closed()) {
            throw new AssertionError("the connection neither asked for the next message nor closed");
        }
        return written;
    }

    /** Runs what the actor sent itself and answers its asks, until it waits for the socket. */
    private void settle() {
        for (int round = 0; round < MAX_SETTLE_ROUNDS; round++) {
            boolean asked = false;
            for (Effect effect : kit.getAllEffects()) {
                if (effect instanceof Effect.AskInitiated<?, ?, ?> ask) {
                    respond(ask);
                    asked = true;
                }
            }
            if (kit.selfInbox().hasMessages()) {
                kit.runOne();
            } else if (!asked) {
                return;
            }
        }
        throw new AssertionError("the connection did not settle");
    }

    private static Behavior<Parent> parent(ActorContext<Parent> context) {
        return Behaviors.receive(Parent.class)
                .onMessage(Spawn.class, spawn -> {
                    SPAWNED.getRef().tell(context.spawnAnonymous(spawn.connection()));
                    return Behaviors.same();
                })
                .onMessage(Forget.class, forget -> {
                    context.stop(forget.connection());
                    return Behaviors.same();
                })
                .build();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void respond(Effect.AskInitiated ask) {
        if (entitiesDown) {
            ask.timeout();
        } else {
            ask.respondWith(node.answer(ask.target(), ask.askMessage()));
        }
    }

    private InboundFrame frameFor(FuzzInput.Step step) {
        switch (step.kind()) {
            case TOO_LARGE:
                return InboundFrame.TooLarge.INSTANCE;
            case WRONG_KIND:
                return InboundFrame.WrongKind.INSTANCE;
            case REPLAY:
                return new InboundFrame.Data(lastDelivered.clone());
            case RAW:
                return new InboundFrame.Data(step.body());
            default:
                return new InboundFrame.Data(client == null ? step.body() : sealed(step));
        }
    }

    private byte[] sealed(FuzzInput.Step step) {
        switch (step.kind()) {
            case SEALED_PLAINTEXT:
                return client.sealPlaintext(step.typeCode(), step.content());
            case OFF_SEQUENCE:
                return client.sealOffSequence(step.typeCode(), step.content(), step.sequenceOffset());
            case OFF_CHAIN:
                return client.sealOffChain(step.typeCode(), step.content());
            default:
                break;
        }
        if (step.kind() == FuzzInput.Kind.SIGNED) {
            MessageType type = MessageType.fromCode(step.typeCode(), client.keys().version().major());
            if (type != null) {
                try {
                    NorcMessage message = codec.decodePayload(type, step.content(), 0, step.content().length);
                    return client.seal(LegitimateDevice.signed(message, client.keys().transcriptHash(), codec, nowMicros()));
                } catch (NorcException notAMessage) {
                    // sealed as it is, below
                }
            }
        }
        return client.sealPayload(step.typeCode(), step.content());
    }

    /** The legitimate client's handshake for {@code session}: its {@code connection_request} is the same every time. */
    static ClientHandshake legitimateHello(FuzzInput.Session session, Codec codec) {
        return ClientHandshake.withEphemeral(offer(session), codec, CLIENT_EPHEMERAL, CLIENT_NONCE,
                session.hybrid() ? CLIENT_PQ : null);
    }

    private static ClientHandshake.Offer offer(FuzzInput.Session session) {
        if (session.compatibility()) {
            return new ClientHandshake.Offer(List.of("1.2"), List.of(CipherSuite.S0001), List.of("e2ee", "messaging"));
        }
        List<CipherSuite> suites = session.hybrid() ? List.of(CipherSuite.S0101, CipherSuite.S0001) : List.of(CipherSuite.S0001);
        return new ClientHandshake.Offer(List.of("2.0", "1.2"), suites, List.of("e2ee", "messaging"));
    }

    private static ServerSettings settings(String registration) {
        return ServerSettings.from(ConfigFactory.parseString("norc { server-id = \"" + LegitimateDevice.SERVER_ID + "\","
                        + " registration = " + registration + ", client.max-payload = 2 KiB,"
                        + " limits.session { presence-burst = 2, key-exchange-burst = 2, time-sync-burst = 2, ack-burst = 4 } }")
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
