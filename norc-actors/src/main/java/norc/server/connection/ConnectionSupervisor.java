package norc.server.connection;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import norc.server.ServerSettings;
import norc.server.audit.AuditLog;
import norc.server.crypto.CryptoPool;
import norc.server.device.api.DeviceRestarted;
import norc.server.metrics.ServerMetrics;
import norc.server.message.MessageRouter;
import norc.session.ServerHandshake;
import norc.wire.WireEncoding;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Parent of every {@link ConnectionActor} (spec §7.2 {@code norc_connection_sup}, OTP
 * {@code simple_one_for_one} with temporary children): one child per WebSocket, never restarted,
 * because a connection's state dies with its socket and the client reconnects; a crash closes that
 * one socket and nothing else. It also keeps the node's per-source registration budget (spec
 * §6.16) and counts connections for the admin API.
 */
public final class ConnectionSupervisor {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** Starts the actor for one accepted WebSocket. */
    public record Spawn(WireEncoding encoding, InetAddress remote, ClientSocket socket, long acceptedAtNanos,
                        ActorRef<ActorRef<ConnectionActor.Command>> replyTo) implements Command {}

    /** Open registration: may {@code remote} register a new user now? 0 = yes, else seconds to wait. */
    public record AllowRegistration(InetAddress remote, ActorRef<Long> replyTo) implements Command {}

    /** A child authenticated as a device (counted until it ends). */
    public record Authenticated(ActorRef<ConnectionActor.Command> connection, UUID deviceId) implements Command {}

    /** From the cluster-wide topic: a device's entity recovered somewhere; its connection here (if any) attaches now. */
    private record EntityRestarted(DeviceRestarted restarted) implements Command {}

    public record GetStats(ActorRef<Stats> replyTo) implements Command {}

    /** Live connections on this node, and how many of them are authenticated. */
    public record Stats(int connections, int authenticated) implements NoSerializationVerificationNeeded {}

    /**
     * The node is shutting down (coordinated shutdown, after the endpoint stopped accepting): tell
     * every connection, and answer once all have ended or {@code deadline} passed.
     */
    public record Drain(Duration deadline, ActorRef<Done> replyTo) implements Command {}

    private record Ended(ActorRef<ConnectionActor.Command> connection) implements Command {}

    private enum DrainDeadline implements Command { INSTANCE }

    public static Behavior<Command> create(ServerSettings settings, ServerHandshake.Config handshake, byte[] identitySecretKey,
                                           ConnectionActor.Entities entities, ActorRef<MessageRouter.Command> router,
                                           CryptoPool crypto, ServerMetrics metrics,
                                           ActorRef<Topic.Command<DeviceRestarted>> restarts, AuditLog audit) {
        return Behaviors.setup(context -> {
            restarts.tell(Topic.subscribe(context.messageAdapter(DeviceRestarted.class, EntityRestarted::new)));
            return new ConnectionSupervisor(context, new ConnectionActor.Env(settings, handshake, identitySecretKey, entities,
                    router, context.getSelf(), crypto, metrics, audit)).receive();
        });
    }

    private static final Duration REGISTRATION_WINDOW = Duration.ofHours(1);

    private final ActorContext<Command> context;
    private final ConnectionActor.Env env;
    private final Map<InetAddress, ArrayDeque<Long>> registrations = new HashMap<>();
    private final Map<ActorRef<ConnectionActor.Command>, UUID> authenticated = new HashMap<>();
    private final Map<UUID, ActorRef<ConnectionActor.Command>> byDevice = new HashMap<>();
    private int connections;
    // each live connection's subprotocol, and authenticated sessions by subprotocol (metrics)
    private final Map<ActorRef<ConnectionActor.Command>, WireEncoding> encodings = new HashMap<>();
    private final java.util.EnumMap<WireEncoding, Integer> sessions = new java.util.EnumMap<>(WireEncoding.class);
    private boolean draining;
    /** While draining: who waits for the last connection to end (answered once). */
    private ActorRef<Done> drainWaiter;

    private ConnectionSupervisor(ActorContext<Command> context, ConnectionActor.Env env) {
        this.context = context;
        this.env = env;
    }

    private Behavior<Command> receive() {
        return Behaviors.receive(Command.class)
                .onMessage(Spawn.class, this::onSpawn)
                .onMessage(AllowRegistration.class, this::onAllowRegistration)
                .onMessage(Authenticated.class, this::onAuthenticated)
                .onMessage(EntityRestarted.class, this::onEntityRestarted)
                .onMessage(Ended.class, this::onEnded)
                .onMessage(GetStats.class, this::onGetStats)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(DrainDeadline.class, d -> drainDone())
                .build();
    }

    private Behavior<Command> onSpawn(Spawn spawn) {
        // temporary child: on any failure it stops (the socket closes); it is never restarted
        Behavior<ConnectionActor.Command> child = Behaviors.supervise(ConnectionActor.create(env, spawn.encoding(), spawn.remote(), spawn.socket(), spawn.acceptedAtNanos()))
                .onFailure(SupervisorStrategy.stop());
        ActorRef<ConnectionActor.Command> connection = context.spawnAnonymous(child);
        context.watchWith(connection, new Ended(connection));
        encodings.put(connection, spawn.encoding());
        connections++;
        env.metrics().connections(connections, authenticated.size());
        spawn.replyTo().tell(connection);
        if (draining) {
            connection.tell(ConnectionActor.NodeStopping.INSTANCE); // accepted just before the endpoint unbound
        }
        return Behaviors.same();
    }

    private Behavior<Command> onAllowRegistration(AllowRegistration request) {
        long now = System.currentTimeMillis();
        ArrayDeque<Long> recent = registrations.computeIfAbsent(request.remote(), r -> new ArrayDeque<>());
        while (!recent.isEmpty() && recent.peekFirst() <= now - REGISTRATION_WINDOW.toMillis()) {
            recent.pollFirst();
        }
        if (recent.size() >= env.settings().limits().registrationsPerHour()) {
            long retryAfter = (recent.peekFirst() + REGISTRATION_WINDOW.toMillis() - now + 999) / 1000;
            request.replyTo().tell(Math.max(1, retryAfter));
        } else {
            recent.addLast(now);
            request.replyTo().tell(0L);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onAuthenticated(Authenticated message) {
        if (authenticated.put(message.connection(), message.deviceId()) == null) {
            countSession(encodings.get(message.connection()), 1);
        }
        byDevice.put(message.deviceId(), message.connection());
        env.metrics().connections(connections, authenticated.size());
        return Behaviors.same();
    }

    private Behavior<Command> onEnded(Ended ended) {
        connections--;
        UUID device = authenticated.remove(ended.connection());
        WireEncoding encoding = encodings.remove(ended.connection());
        if (device != null) {
            byDevice.remove(device, ended.connection());
            countSession(encoding, -1);
        }
        env.metrics().connections(connections, authenticated.size());
        return connections == 0 && draining ? drainDone() : Behaviors.same();
    }

    private void countSession(WireEncoding encoding, int change) {
        if (encoding != null) {
            env.metrics().sessions(encoding, sessions.merge(encoding, change, Integer::sum));
        }
    }

    private Behavior<Command> onEntityRestarted(EntityRestarted message) {
        ActorRef<ConnectionActor.Command> connection = byDevice.get(message.restarted().deviceId());
        if (connection != null) {
            connection.tell(ConnectionActor.Reattach.INSTANCE);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onDrain(Drain drain) {
        draining = true;
        drainWaiter = drain.replyTo();
        context.getChildren().forEach(child -> child.unsafeUpcast().tell(ConnectionActor.NodeStopping.INSTANCE));
        if (connections == 0) {
            return drainDone();
        }
        context.scheduleOnce(drain.deadline(), context.getSelf(), DrainDeadline.INSTANCE);
        return Behaviors.same();
    }

    private Behavior<Command> drainDone() {
        if (drainWaiter != null) {
            drainWaiter.tell(Done.getInstance());
            drainWaiter = null;
        }
        return Behaviors.same();
    }

    private Behavior<Command> onGetStats(GetStats request) {
        request.replyTo().tell(new Stats(connections, authenticated.size()));
        return Behaviors.same();
    }
}
