package norc.server.connection;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.server.ServerSettings;
import norc.server.UserIds;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.contract.WireMessage;
import norc.server.crypto.CryptoPool;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.InboxEntries;
import norc.server.device.api.DeviceReply;
import norc.server.message.MessageRouter;
import norc.server.metrics.ServerMetrics;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.session.MessageSignatures;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.TrafficKeys;
import norc.session.ServerHandshake;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.DeviceKeyRotate;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FileChunkRequest;
import norc.wire.message.FileChunkUpload;
import norc.wire.message.FileManifest;
import norc.wire.message.KeyExpiryNotice;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MembershipRequest;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.SessionKeyExchange;
import norc.wire.message.TimeSync;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * One NORC-C connection (spec §7.2 {@code norc_connection_worker}): a state machine with one method
 * per state, {@link #awaitingHello} → {@link #authenticating} → {@link #established} →
 * {@link #draining}. It owns only its socket's session state (keys, sequence numbers, replay window,
 * hash chains); everything that must survive it lives in the sharded entities. Inbound WebSocket
 * messages are pulled one at a time from its {@link ClientSocket} ({@link Inbound}), and the next
 * is asked for only after a request is answered, so answers leave in request order and a slow
 * database slows the socket instead of queueing without bound. Handshake and signature crypto runs
 * on the {@link CryptoPool} and comes back as a message, so a storm of set-ups cannot hold the
 * threads that deliver messages.
 */
public final class ConnectionActor {

    // ---- protocol ----

    /** Never leaves this node: the socket and this actor's own asks and timers. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** One inbound WebSocket message, sent by the socket once per {@link ClientSocket#requestNext()}. */
    public record Inbound(InboundFrame frame) implements Command {}

    /** The socket ended (the peer closed, the network failed, or our close completed). */
    public enum SocketClosed implements Command { INSTANCE }

    /** The node is shutting down: the client hears {@code 9002} (retry after 1 s, elsewhere) and the socket closes. */
    public enum NodeStopping implements Command { INSTANCE }

    /** The device's entity recovered (perhaps on another node): attach again now. */
    public enum Reattach implements Command { INSTANCE }

    /** What the device's entity sent to this connection, through the adapter it attached with (from any node). */
    private record FromDevice(DeviceOutbound message) implements Command {}

    private enum PreAuthDeadline implements Command { INSTANCE }

    private enum AttachRefresh implements Command { INSTANCE }

    private enum SessionExpired implements Command { INSTANCE }

    private enum DrainDeadline implements Command { INSTANCE }

    private record Handshaken(ServerHandshake.Result result, long initialSequence, NorcException refused) implements Command {}

    private record RegisterChecked(DeviceRegister register, boolean signed) implements Command {}

    private record AuthChecked(AuthRequest request, DeviceRecord device, boolean signed) implements Command {}

    private record RegistrationAllowed(DeviceRegister register, long retryAfter) implements Command {}

    /** {@code unavailable}: the entity did not answer in time (journal outage), which is not a refusal. */
    private record DeviceClaimed(DeviceRegister register, DeviceReply.ClaimResult result, boolean unavailable) implements Command {}

    private record DeviceAdded(DeviceRegister register, UserReply.RegisterResult result, boolean unavailable) implements Command {}

    private record DeviceLooked(AuthRequest request, Optional<DeviceRecord> device, boolean unavailable) implements Command {}

    private record Routed(MessageRouter.RouteResult result) implements Command {}

    private record KeysLooked(MessageRouter.KeyLookupResult result) implements Command {}

    /** A group or file request's answer (groups profile A, B). */
    private record GroupDone(NorcMessage answer) implements Command {}

    private record RevokeDone(UserReply.RevokeResult result, boolean unavailable) implements Command {}



    /** A {@code device_key_rotate}'s outcome (groups profile C). */
    private record RotationDone(KeyRotation.Done done) implements Command {}

    /** Everything a connection needs from its node, fixed at start. */
    public record Env(ServerSettings settings, ServerHandshake.Config handshake, byte[] identitySecretKey,
                      Entities entities, ActorRef<MessageRouter.Command> router,
                      ActorRef<ConnectionSupervisor.Command> supervisor, CryptoPool crypto, ServerMetrics metrics,
                      AuditLog audit) {}

    /** Access to the sharded entities (a port, so that unit tests can substitute probes). */
    public interface Entities {
        EntityRef<UserCommand> user(String userId);

        EntityRef<DeviceCommand> device(UUID deviceId);
    }

    /** {@code acceptedAtNanos}: when the TCP connection was accepted ({@link System#nanoTime()}); the pre-auth deadline counts from then. */
    public static Behavior<Command> create(Env env, WireEncoding encoding, InetAddress remote, ClientSocket socket,
                                           long acceptedAtNanos) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new ConnectionActor(context, timers, env, encoding, remote, socket, acceptedAtNanos).awaitingHello()));
    }

    // ---- state ----

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long registration and authentication wait for an entity (its recovery reads the journal):
     * well inside the pre-auth deadline, so that an outage reaches the client as {@code 9002}.
     */
    private static final Duration JOURNAL_ANSWER_TIMEOUT = Duration.ofSeconds(5);
    /** {@code retry_after} of an outage answer, in seconds. */
    private static final long OUTAGE_RETRY_AFTER = 5;
    /** A closing socket normally ends sooner (the transport gives the peer 2 s to answer the close frame). */
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(3);
    private static final Codec STORAGE = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
    /** Verifying against this key when a device is unknown keeps the timing of both answers alike. */
    private static final byte[] DECOY_KEY = Ed25519.publicKeyOf(new byte[32]);

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final Env env;
    private final ServerSettings settings;
    private final WireEncoding encoding;
    private final Codec codec;
    private final InetAddress remote;
    private final ClientSocket socket;
    private final long acceptedAtNanos;
    private final SessionBudgets budgets;

    /** A {@link ClientSocket#requestNext()} is outstanding. */
    private boolean reading;
    private SessionKeys keys;
    private SendSession sendSession;
    private ReceiveSession receiveSession;
    private String userId;
    private UUID deviceId;
    /** The session's device as its user's directory held it at authentication (its key signs a rotation). */
    private DeviceRecord device;
    private boolean closing;
    /**
     * Without {@code tk_update_v1} the keys change by reconnecting (groups profile D): set once the
     * session has sent or accepted its 1000th frame; the request in hand is finished, then the
     * connection closes with reason {@code rekey} and nothing more is sent.
     */
    private boolean rekeyDue;
    // the type of the request in hand (a label of norc_errors_sent), and when a message_send was read
    private String answering = "none";
    private long sendReadAtNanos;
    /** The reference the device's entity sends to; made at authentication. */
    private ActorRef<DeviceOutbound> outbound;

    private ConnectionActor(ActorContext<Command> context, TimerScheduler<Command> timers, Env env, WireEncoding encoding,
                            InetAddress remote, ClientSocket socket, long acceptedAtNanos) {
        this.context = context;
        this.timers = timers;
        this.env = env;
        this.settings = env.settings();
        this.encoding = encoding;
        this.codec = encoding.codec(new WireLimits(settings.maxPayload(), WireLimits.DEFAULT.maxCollectionCount(),
                WireLimits.DEFAULT.maxStringBytes()));
        this.remote = remote;
        this.socket = socket;
        this.acceptedAtNanos = acceptedAtNanos;
        this.budgets = new SessionBudgets(settings.limits().session(), System.nanoTime());
        // one deadline from TCP accept to authenticated, however the time was spent (TLS, upgrade, handshake)
        Duration left = settings.preAuthTimeout().minusNanos(System.nanoTime() - acceptedAtNanos);
        timers.startSingleTimer(PreAuthDeadline.INSTANCE, left.isNegative() ? Duration.ZERO : left);
        next();
    }

    // ---- states ----

    /** Waiting for {@code connection_request} and running the handshake (profile §3). */
    private Behavior<Command> awaitingHello() {
        return Behaviors.receive(Command.class)
                .onMessage(Inbound.class, this::onHello)
                .onMessage(Handshaken.class, this::onHandshaken)
                .onMessage(PreAuthDeadline.class, d -> close())
                .onMessage(NodeStopping.class, s -> close())
                .onMessage(SocketClosed.class, c -> Behaviors.stopped())
                .onSignal(PostStop.class, this::onStop)
                .build();
    }

    /** Keys exist; only {@code device_register}, {@code auth_request} and {@code time_sync} are served. */
    private Behavior<Command> authenticating() {
        return Behaviors.receive(Command.class)
                .onMessage(Inbound.class, this::onInboundBeforeAuth)
                .onMessage(RegisterChecked.class, this::onRegisterChecked)
                .onMessage(AuthChecked.class, this::onAuthChecked)
                .onMessage(RegistrationAllowed.class, this::onRegistrationAllowed)
                .onMessage(DeviceClaimed.class, this::onDeviceClaimed)
                .onMessage(DeviceAdded.class, this::onDeviceAdded)
                .onMessage(DeviceLooked.class, this::onDeviceLooked)
                .onMessage(PreAuthDeadline.class, d -> close())
                .onMessage(NodeStopping.class, s -> close())
                .onMessage(SocketClosed.class, c -> Behaviors.stopped())
                .onSignal(PostStop.class, this::onStop)
                .build();
    }

    /** An authenticated device: every NORC-C message. */
    private Behavior<Command> established() {
        return Behaviors.receive(Command.class)
                .onMessage(Inbound.class, this::onInbound)
                .onMessage(Routed.class, this::onRouted)
                .onMessage(KeysLooked.class, this::onKeysLooked)
                .onMessage(GroupDone.class, this::onGroupDone)
                .onMessage(RevokeDone.class, this::onRevokeDone)
                .onMessage(RotationDone.class, this::onRotationDone)
                .onMessage(FromDevice.class, this::onFromDevice)
                .onMessage(AttachRefresh.class, this::onAttachRefresh)
                .onMessage(Reattach.class, r -> onAttachRefresh(AttachRefresh.INSTANCE))
                .onMessage(SessionExpired.class, s -> close())
                .onMessage(NodeStopping.class, s -> fail(ErrorMessage.of(ErrorCode.UNAVAILABLE, 1)))
                .onMessage(PreAuthDeadline.class, d -> Behaviors.same())
                .onMessage(SocketClosed.class, c -> Behaviors.stopped())
                .onMessage(DrainDeadline.class, d -> closing ? Behaviors.stopped() : Behaviors.same())
                .onSignal(PostStop.class, this::onStop)
                .build();
    }

    /** Closing: the socket flushes the last frames and drops what still comes in; the actor stops when it ends. */
    private Behavior<Command> draining() {
        return Behaviors.receive(Command.class)
                .onMessage(DrainDeadline.class, d -> Behaviors.stopped())
                .onMessage(SocketClosed.class, c -> Behaviors.stopped())
                .onAnyMessage(m -> Behaviors.same())
                .onSignal(PostStop.class, this::onStop)
                .build();
    }

    // ---- awaiting hello ----

    private Behavior<Command> onHello(Inbound in) {
        reading = false;
        if (!(in.frame() instanceof InboundFrame.Data data)) {
            return reject(in.frame());
        }
        context.pipeToSelf(env.crypto().run(random -> handshake(data.bytes(), random)),
                (done, error) -> done != null ? done
                        : new Handshaken(null, 0, new NorcException(ErrorCode.UNAVAILABLE, "crypto pool: " + error)));
        return Behaviors.same();
    }

    /** On a crypto thread: the whole server side of the handshake, or the error to answer with. */
    private Handshaken handshake(byte[] request, java.security.SecureRandom random) {
        try {
            return new Handshaken(ServerHandshake.respond(env.handshake(), codec, request, random),
                    SendSession.randomInitialSequence(random), null);
        } catch (NorcException e) {
            return new Handshaken(null, 0, e);
        }
    }

    private Behavior<Command> onHandshaken(Handshaken done) {
        if (done.refused() != null) {
            transmit(codec.encodeMessage(ErrorMessage.of(done.refused().code())));
            return close();
        }
        ServerHandshake.Result result = done.result();
        keys = result.keys();
        sendSession = new SendSession(keys, codec, false, done.initialSequence());
        receiveSession = new ReceiveSession(keys, codec, true, settings.replayWindow(), settings.maxFailedFrames(),
                this::integrityAlert);
        transmit(result.acceptedBytes());
        next();
        return authenticating();
    }

    // ---- authenticating ----

    private Behavior<Command> onInboundBeforeAuth(Inbound in) {
        reading = false;
        NorcMessage message = open(in);
        if (message == null) {
            return closing ? draining() : Behaviors.same();
        }
        if (message instanceof DeviceRegister register) {
            return onRegister(register);
        }
        if (message instanceof AuthRequest auth) {
            if (!UserIds.isLocal(auth.userId(), settings.serverId())) {
                // no entity is started for an id this server cannot hold; the answer is the same 1001
                return onDeviceLooked(new DeviceLooked(auth, Optional.empty(), false));
            }
            context.ask(UserReply.DeviceLookup.class, env.entities().user(auth.userId()), JOURNAL_ANSWER_TIMEOUT,
                    replyTo -> new UserCommand.GetDevice(auth.deviceId(), replyTo),
                    (lookup, error) -> new DeviceLooked(auth, lookup == null ? Optional.empty() : lookup.device(), error != null));
            return Behaviors.same();
        }
        if (message instanceof TimeSync sync) {
            long wait = budgets.spend(SessionBudgets.Kind.TIME_SYNC); // allowed early: a skewed clock needs it to authenticate
            return answer(wait > 0 ? rateLimited(wait) : timeSync(sync));
        }
        return answer(ErrorMessage.of(ErrorCode.AUTHENTICATION_FAILED));
    }

    private Behavior<Command> onRegister(DeviceRegister register) {
        byte[] transcript = keys.transcriptHash();
        context.pipeToSelf(env.crypto().run(random -> MessageSignatures.REGISTER.verify(register.publicKey(),
                        register.signature(), transcript, codec, register)),
                (signed, error) -> new RegisterChecked(register, Boolean.TRUE.equals(signed)));
        return Behaviors.same();
    }

    private Behavior<Command> onRegisterChecked(RegisterChecked checked) {
        DeviceRegister register = checked.register();
        boolean signed = checked.signed();
        boolean allowed = switch (settings.registration()) {
            case CLOSED -> false;
            case TOKEN -> register.enrollmentToken().isPresent();
            case OPEN -> true;
        };
        if (!signed || !allowed || !UserIds.isLocal(register.userId(), settings.serverId())) {
            return refuse(register, ErrorMessage.of(ErrorCode.REGISTRATION_REJECTED));
        }
        if (register.enrollmentToken().isPresent()) {
            return onRegistrationAllowed(new RegistrationAllowed(register, 0));
        }
        context.ask(Long.class, env.supervisor(), ASK_TIMEOUT,
                replyTo -> new ConnectionSupervisor.AllowRegistration(remote, replyTo),
                (retryAfter, error) -> new RegistrationAllowed(register, retryAfter == null ? 60 : retryAfter));
        return Behaviors.same();
    }

    private Behavior<Command> onRegistrationAllowed(RegistrationAllowed allowed) {
        if (allowed.retryAfter() > 0) {
            return refuse(allowed.register(), ErrorMessage.of(ErrorCode.RATE_LIMITED, allowed.retryAfter()));
        }
        DeviceRegister register = allowed.register();
        context.ask(DeviceReply.ClaimResult.class, env.entities().device(register.deviceId()), JOURNAL_ANSWER_TIMEOUT,
                replyTo -> new DeviceCommand.Claim(register.userId(), replyTo),
                (result, error) -> new DeviceClaimed(register, result, error != null));
        return Behaviors.same();
    }

    private Behavior<Command> onDeviceClaimed(DeviceClaimed claimed) {
        if (claimed.unavailable()) {
            return answer(unavailable());
        }
        if (!claimed.result().granted()) {
            return refuse(claimed.register(), ErrorMessage.of(ErrorCode.REGISTRATION_REJECTED)); // one answer for every reason
        }
        DeviceRegister register = claimed.register();
        DeviceRecord record = new DeviceRecord(register.deviceId(), register.publicKey(), register.kexPublicKey(),
                register.deviceInfo().name(), register.deviceInfo().type(), System.currentTimeMillis(), 0);
        // as the user entity stores it: valid for the configured lifetime from now
        this.device = record.expiringAt(Instant.now().plus(settings.deviceKeys().lifetime()).getEpochSecond());
        boolean open = settings.registration() == ServerSettings.Registration.OPEN;
        context.ask(UserReply.RegisterResult.class, env.entities().user(register.userId()), JOURNAL_ANSWER_TIMEOUT,
                replyTo -> new UserCommand.Register(record, register.enrollmentToken(), open, Instant.now().getEpochSecond(), replyTo),
                (result, error) -> new DeviceAdded(register, result, error != null));
        return Behaviors.same();
    }

    private Behavior<Command> onDeviceAdded(DeviceAdded added) {
        if (added.unavailable()) {
            return answer(unavailable());
        }
        if (added.result() != UserReply.RegisterResult.REGISTERED) {
            return refuse(added.register(), ErrorMessage.of(ErrorCode.REGISTRATION_REJECTED)); // one answer for every reason
        }
        return authenticated(added.register().userId(), added.register().deviceId(), AuthStatus.REGISTERED);
    }

    private Behavior<Command> onDeviceLooked(DeviceLooked looked) {
        if (looked.unavailable()) {
            return answer(unavailable()); // an outage is not "no such device": the client retries on this session
        }
        AuthRequest auth = looked.request();
        DeviceRecord device = looked.device().orElse(null);
        byte[] key = device == null ? DECOY_KEY : device.publicKey();
        byte[] transcript = keys.transcriptHash();
        context.pipeToSelf(env.crypto().run(random -> MessageSignatures.AUTH.verify(key, auth.signature(), transcript, codec, auth)),
                (signed, error) -> new AuthChecked(auth, device, Boolean.TRUE.equals(signed)));
        return Behaviors.same();
    }

    private Behavior<Command> onAuthChecked(AuthChecked checked) {
        AuthRequest auth = checked.request();
        DeviceRecord device = checked.device();
        boolean valid = checked.signed() && device != null;
        if (!valid) {
            return refuse(auth, ErrorCode.AUTHENTICATION_FAILED);
        }
        if (Math.abs(nowMicros() - auth.timestamp()) > settings.session().authSkew().toNanos() / 1000) {
            return refuse(auth, ErrorCode.STALE_TIMESTAMP_AUTH);
        }
        if (device.revoked()) {
            return refuse(auth, ErrorCode.DEVICE_REVOKED);
        }
        if (device.expired(Instant.now().getEpochSecond())) {
            return refuse(auth, ErrorCode.KEY_EXPIRED); // groups profile C: coming back needs an enrollment token
        }
        this.device = device;
        return authenticated(auth.userId(), auth.deviceId(), AuthStatus.AUTHENTICATED);
    }

    /** A refused authentication: audited (the claimed ids pseudonymised, spec §6.18), answered, closed. */
    private Behavior<Command> refuse(AuthRequest auth, ErrorCode code) {
        env.audit().record(AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("method", "auth_request")
                .with("code", Integer.toString(code.code())).user(auth.userId()).device(auth.deviceId()));
        return fail(code);
    }

    /** A refused registration, the same way. */
    private Behavior<Command> refuse(DeviceRegister register, ErrorMessage answer) {
        env.audit().record(AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("method", "device_register")
                .with("code", Long.toString(answer.errorCode())).user(register.userId()).device(register.deviceId()));
        return fail(answer);
    }

    private Behavior<Command> authenticated(String user, UUID device, AuthStatus status) {
        userId = user;
        deviceId = device;
        timers.cancel(PreAuthDeadline.INSTANCE);
        socket.authenticated();
        env.metrics().sessionSetUp(acceptedAtNanos);
        // the session ends at its lifetime, or when the device's key expires if that comes first (groups profile C)
        Duration untilKeyExpiry = Duration.between(Instant.now(), Instant.ofEpochSecond(this.device.expiresAt()));
        Duration left = settings.session().lifetime().compareTo(untilKeyExpiry) <= 0 ? settings.session().lifetime() : untilKeyExpiry;
        long expiresAt = Instant.now().plus(left).getEpochSecond();
        endSessionAfter(left);
        timers.startTimerWithFixedDelay(AttachRefresh.INSTANCE, settings.delivery().attachRefresh());
        // attach before answering, so that what others send the device once it is told it is in
        // (key exchanges, presence: pushed to attached connections only) finds it attached
        outbound = context.messageAdapter(DeviceOutbound.class, FromDevice::new);
        env.entities().device(device).tell(new DeviceCommand.Attach(outbound));
        send(new AuthResponse(status, keys.sessionId(), user, device, nowMicros(), expiresAt));
        if (keys.has(SessionKeys.KEY_ROTATION) && this.device.successor() == null
                && Instant.now().plus(settings.deviceKeys().expiryNotice()).getEpochSecond() >= this.device.expiresAt()) {
            send(new KeyExpiryNotice(device, this.device.expiresAt())); // rotate now (groups profile C)
        }
        env.supervisor().tell(new ConnectionSupervisor.Authenticated(context.getSelf(), device));
        next();
        return established();
    }

    // ---- established ----

    private Behavior<Command> onInbound(Inbound in) {
        reading = false;
        NorcMessage message = open(in);
        if (message == null) {
            return closing ? draining() : Behaviors.same();
        }
        if (keys.has(SessionKeys.FILES) && (message instanceof FileChunkUpload || message instanceof FileChunkRequest
                || message instanceof FileManifest)) {
            long wait = message instanceof FileChunkUpload ? budgets.spend(SessionBudgets.Kind.CHUNK_UPLOAD)
                    : message instanceof FileChunkRequest ? budgets.spend(SessionBudgets.Kind.CHUNK_REQUEST) : 0;
            if (wait > 0) {
                return answer(rateLimited(wait));
            }
            sendReadAtNanos = System.nanoTime();
            context.ask(MessageRouter.FileAnswered.class, env.router(), settings.delivery().commitTimeout().plusSeconds(5),
                    replyTo -> new MessageRouter.Files(message, userId, deviceId, replyTo),
                    (result, error) -> new GroupDone(result != null ? result.answer() : ErrorMessage.of(ErrorCode.UNAVAILABLE, 1)));
            return Behaviors.same();
        }
        if (keys.has(SessionKeys.GROUPS) && isGroupRequest(message)) {
            sendReadAtNanos = System.nanoTime();
            context.ask(MessageRouter.GroupAnswered.class, env.router(), settings.delivery().commitTimeout().plusSeconds(5),
                    replyTo -> new MessageRouter.Group(message, userId, deviceId, replyTo),
                    (result, error) -> new GroupDone(result != null ? result.answer() : ErrorMessage.of(ErrorCode.UNAVAILABLE, 1)));
            return Behaviors.same();
        }
        if (message instanceof MessageSend send) {
            sendReadAtNanos = System.nanoTime();
            context.ask(MessageRouter.RouteResult.class, env.router(), settings.delivery().commitTimeout().plusSeconds(5),
                    replyTo -> new MessageRouter.Route(send, userId, deviceId, replyTo),
                    (result, error) -> new Routed(result != null ? result
                            : new MessageRouter.Refused(send.messageId(), ErrorCode.UNAVAILABLE, 0)));
            return Behaviors.same();
        }
        if (message instanceof MessageAck ack) {
            return onClientAck(ack);
        }
        if (message instanceof KeyRequest request) {
            context.ask(MessageRouter.KeyLookupResult.class, env.router(), settings.delivery().commitTimeout().plusSeconds(5),
                    replyTo -> new MessageRouter.LookupKeys(deviceId, request.userIds(), request.deviceFilter(), replyTo),
                    (result, error) -> new KeysLooked(result != null ? result
                            : new MessageRouter.KeysRefused(ErrorCode.UNAVAILABLE, 0)));
            return Behaviors.same();
        }
        if (message instanceof TimeSync sync) {
            long wait = budgets.spend(SessionBudgets.Kind.TIME_SYNC);
            return answer(wait > 0 ? rateLimited(wait) : timeSync(sync));
        }
        if (message instanceof PresenceUpdate presence) {
            long wait = budgets.spend(SessionBudgets.Kind.PRESENCE);
            if (wait > 0) {
                return answer(rateLimited(wait));
            }
            PresenceUpdate stamped = new PresenceUpdate(presence.status(), presence.statusMessage(), presence.capabilities(),
                    presence.lastSeen(), Optional.of(userId));
            env.router().tell(new MessageRouter.Presence(stamped, userId));
            return next();
        }
        if (message instanceof DeviceRevoke revoke) {
            return onRevoke(revoke);
        }
        if (message instanceof DeviceKeyRotate rotate && keys.has(SessionKeys.KEY_ROTATION)) {
            return onRotate(rotate);
        }
        if (message instanceof SessionKeyExchange exchange) {
            long wait = budgets.spend(SessionBudgets.Kind.KEY_EXCHANGE);
            if (wait > 0) {
                return answer(rateLimited(wait));
            }
            SessionKeyExchange stamped = new SessionKeyExchange(exchange.sessionId(), exchange.ephemeralPublicKey(),
                    exchange.targetDevice(), exchange.expiresAt(), Optional.of(userId), Optional.of(deviceId));
            env.entities().device(exchange.targetDevice()).tell(new DeviceCommand.Relay(WireMessage.of(stamped)));
            return next();
        }
        if (message instanceof DeviceRegister || message instanceof AuthRequest) {
            return answer(ErrorMessage.of(ErrorCode.UNEXPECTED_MESSAGE)); // already authenticated
        }
        return answer(ErrorMessage.of(ErrorCode.UNEXPECTED_MESSAGE));
    }

    private Behavior<Command> onClientAck(MessageAck ack) {
        long wait = budgets.spend(SessionBudgets.Kind.ACK);
        if (wait > 0) {
            return answer(rateLimited(wait));
        }
        if (ack.status() == AckStatus.DELIVERED || ack.status() == AckStatus.READ) {
            env.metrics().messageAcknowledged();
            env.entities().device(deviceId).tell(new DeviceCommand.Acknowledge(ack.messageId(), ack.status()));
            return next();
        }
        return answer(ErrorMessage.of(ErrorCode.INVALID_FIELD)); // accepted/failed are the server's to say
    }

    private Behavior<Command> onRevoke(DeviceRevoke revoke) {
        if (!revoke.userId().equals(userId)) {
            return answer(ErrorMessage.of(ErrorCode.FORBIDDEN));
        }
        byte[] canonical = codec.encodeMessage(revoke); // the signature covers this encoding's canonical form
        context.ask(UserReply.RevokeResult.class, env.entities().user(userId), ASK_TIMEOUT,
                replyTo -> new UserCommand.Revoke(encoding, canonical, replyTo),
                (result, error) -> new RevokeDone(result, error != null));
        return Behaviors.same();
    }

    /**
     * {@code device_key_rotate} (groups profile C), decided by its own child ({@link KeyRotation});
     * this session's rate limit first (each costs two signature checks). The answer is the user's
     * active devices as a {@code key_response}; after a rotation the session ends with the overlap.
     */
    private Behavior<Command> onRotate(DeviceKeyRotate rotate) {
        long wait = budgets.spend(SessionBudgets.Kind.KEY_EXCHANGE);
        if (wait > 0) {
            return answer(rateLimited(wait));
        }
        context.spawnAnonymous(KeyRotation.create(rotate, userId, device, env.entities(), env.crypto(),
                context.messageAdapter(KeyRotation.Done.class, RotationDone::new)));
        return Behaviors.same();
    }

    private Behavior<Command> onRotationDone(RotationDone rotation) {
        DeviceRecord rotated = rotation.done().rotated();
        if (rotated != null) {
            device = rotated;
            endSessionAfter(Duration.between(Instant.now(), Instant.ofEpochSecond(rotated.expiresAt()))); // the overlap bounds it too
        }
        return answer(rotation.done().answer());
    }

    private Behavior<Command> onRevokeDone(RevokeDone done) {
        if (done.unavailable()) {
            return answer(unavailable());
        }
        // success has no answer (profile); every refusal the same 4003
        return done.result() == UserReply.RevokeResult.REVOKED ? next() : answer(ErrorMessage.of(ErrorCode.FORBIDDEN));
    }

    private Behavior<Command> onRouted(Routed routed) {
        if (routed.result() instanceof MessageRouter.Accepted accepted) {
            env.metrics().messageAccepted(sendReadAtNanos);
            return answer(new MessageAck(accepted.messageId(), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
        }
        MessageRouter.Refused refused = (MessageRouter.Refused) routed.result();
        ErrorCode code = refused.code();
        env.metrics().messageRefused(code.code());
        return answer(new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(),
                refused.retryAfter() > 0 ? Optional.of(refused.retryAfter()) : Optional.empty(),
                Map.of("message_id", refused.messageId().toString())));
    }

    /** Groups profile A: what goes to a group's entity (a {@code message_send} to a group has no recipients). */
    private static boolean isGroupRequest(NorcMessage message) {
        return message instanceof ConversationCreate || message instanceof ConversationUpdate || message instanceof MembershipRequest
                || (message instanceof MessageSend send && send.recipients().isEmpty());
    }

    private Behavior<Command> onGroupDone(GroupDone done) {
        if (done.answer() instanceof MessageAck) {
            env.metrics().messageAccepted(sendReadAtNanos);
        } else if (done.answer() instanceof ErrorMessage error) {
            env.metrics().messageRefused((int) error.errorCode());
        }
        return answer(done.answer());
    }

    private Behavior<Command> onKeysLooked(KeysLooked looked) {
        if (looked.result() instanceof MessageRouter.KeysFound found) {
            return answer(found.response());
        }
        MessageRouter.KeysRefused refused = (MessageRouter.KeysRefused) looked.result();
        return answer(refused.retryAfter() > 0 ? ErrorMessage.of(refused.code(), refused.retryAfter())
                : ErrorMessage.of(refused.code()));
    }

    private Behavior<Command> onFromDevice(FromDevice from) {
        DeviceOutbound message = from.message();
        if (message instanceof DeviceOutbound.Deliver deliver) {
            MessageType type = InboxEntries.messageType(deliver.type());
            if (type == MessageType.MEMBERSHIP_UPDATE && !keys.has(SessionKeys.GROUPS)) {
                // a session without groups_v1 never gets 0x14: dropped as if acknowledged (groups profile A.4)
                env.entities().device(deviceId).tell(new DeviceCommand.Acknowledge(deliver.messageId(), AckStatus.DELIVERED));
                return Behaviors.same();
            }
            env.metrics().messageDelivered();
            send(STORAGE.decodePayload(type, deliver.payload(), 0, deliver.payload().length));
            return Behaviors.same();
        }
        if (message instanceof DeviceOutbound.Ephemeral ephemeral) {
            if (socket.congested()) {
                env.metrics().ephemeralDropped(); // best effort by nature: never worth a queue that closes the client
            } else {
                send(ephemeral.message().decode());
            }
            return Behaviors.same();
        }
        if (message == DeviceOutbound.Revoked.INSTANCE) {
            return fail(ErrorCode.DEVICE_REVOKED);
        }
        return close(); // Superseded
    }

    private Behavior<Command> onAttachRefresh(AttachRefresh refresh) {
        env.entities().device(deviceId).tell(new DeviceCommand.Attach(outbound));
        return Behaviors.same();
    }

    // ---- helpers ----

    /**
     * Opens one inbound frame. Returns the message, or {@code null} when there is nothing more to
     * do for it: it was answered or silently discarded (the stream was asked for the next one), or
     * the connection is {@link #closing}.
     */
    private NorcMessage open(Inbound in) {
        if (!(in.frame() instanceof InboundFrame.Data data)) {
            reject(in.frame());
            return null;
        }
        try {
            ReceiveSession.Received received = receiveSession.open(data.bytes());
            if (received instanceof ReceiveSession.Accepted accepted) {
                rekeyDue |= !keys.has(SessionKeys.TK_UPDATE) && receiveSession.accepted() >= TrafficKeys.FRAMES_PER_EPOCH;
                answering = accepted.message().messageType().wireName();
                return accepted.message();
            }
            ReceiveSession.Discarded discarded = (ReceiveSession.Discarded) received;
            env.metrics().frameDiscarded(discarded.reason());
            if (discarded.closeConnection()) {
                audit(AuditEvent.of(AuditKinds.INTEGRITY_ALERT).with("reason", "failed-frames-limit")
                        .with("aead-failures", Long.toString(receiveSession.aeadFailures()))
                        .with("chain-mismatches", Long.toString(receiveSession.chainMismatches())));
                close();
                return null;
            }
            next(); // a silent discard (replay, AEAD failure, chain mismatch): profile §4.4
            return null;
        } catch (NorcException e) {
            if (e.code() == ErrorCode.LIMIT_EXCEEDED) {
                fail(e.code());
                return null;
            }
            answer(ErrorMessage.of(e.code()));
            return null;
        }
    }

    /** A WebSocket message that could not be read as a frame at all: too big, or the wrong kind. */
    private Behavior<Command> reject(InboundFrame frame) {
        ErrorCode code = frame instanceof InboundFrame.TooLarge ? ErrorCode.LIMIT_EXCEEDED : ErrorCode.INVALID_HEADER;
        if (keys == null) {
            env.metrics().errorSent(code.code(), "none");
            transmit(codec.encodeMessage(ErrorMessage.of(code)));
            return close();
        }
        return fail(code);
    }

    /** The answer when an entity (the journal behind it) did not answer in time: 9002, retry later. */
    private static ErrorMessage unavailable() {
        return ErrorMessage.of(ErrorCode.UNAVAILABLE, OUTAGE_RETRY_AFTER);
    }

    private TimeSync timeSync(TimeSync request) {
        TimeSync unsigned = new TimeSync(request.clientTime(), nowMicros(),
                settings.session().timeUncertainty().toNanos() / 1000, Optional.empty());
        byte[] signature = MessageSignatures.TIME_SYNC.sign(env.identitySecretKey(), keys.transcriptHash(), codec, unsigned);
        return new TimeSync(unsigned.clientTime(), unsigned.serverTime(), unsigned.uncertainty(), Optional.of(signature));
    }

    /** Past a session budget: {@code 6001} with {@code retry_after}; nothing is relayed or signed. */
    private static ErrorMessage rateLimited(long retryAfter) {
        return ErrorMessage.of(ErrorCode.RATE_LIMITED, retryAfter);
    }

    /** Sends the answer to the current request and asks the stream for the next message. */
    private Behavior<Command> answer(NorcMessage message) {
        send(message);
        return next();
    }

    /** Asks the socket for the next inbound message, once. */
    private Behavior<Command> next() {
        answering = "none";
        if (rekeyDue && !closing) {
            return rekey();
        }
        if (!reading && !closing) {
            reading = true;
            socket.requestNext();
        }
        return Behaviors.same();
    }

    private void send(NorcMessage message) {
        if (closing && rekeyDue) {
            return; // past the 1000th frame without key updates: nothing more (what was not delivered stays in the inbox)
        }
        if (message instanceof ErrorMessage error) {
            env.metrics().errorSent(error.errorCode(), answering);
        }
        byte[] frame;
        if (message instanceof MessageSend send) {
            frame = sendSession.seal(message, send.messageId());
        } else if (message instanceof MessageAck ack) {
            frame = sendSession.seal(message, ack.messageId());
        } else {
            frame = sendSession.seal(message);
        }
        transmit(frame);
        if (!keys.has(SessionKeys.TK_UPDATE) && sendSession.sent() >= TrafficKeys.FRAMES_PER_EPOCH && !closing) {
            rekeyDue = true;
            rekey();
        }
    }

    /** (Re)starts the timer that closes the session {@code left} from now. */
    private void endSessionAfter(Duration left) {
        timers.startSingleTimer(SessionExpired.INSTANCE, left.isNegative() ? Duration.ZERO : left);
    }

    /** Closes with status 1000, reason {@code rekey}: the client reconnects and resends what was not acknowledged. */
    private Behavior<Command> rekey() {
        rekeyDue = true;
        closing = true;
        socket.close("rekey");
        timers.cancelAll();
        timers.startSingleTimer(DrainDeadline.INSTANCE, DRAIN_DEADLINE);
        return draining();
    }

    private void transmit(byte[] bytes) {
        socket.send(bytes);
    }

    private Behavior<Command> fail(ErrorCode code) {
        return fail(ErrorMessage.of(code));
    }

    /** Sends a final error and closes (profile §8). */
    private Behavior<Command> fail(ErrorMessage error) {
        if (userId == null) {
            env.metrics().authFailed((int) error.errorCode()); // refused before a session existed
        }
        send(error);
        return close();
    }

    private Behavior<Command> close() {
        closing = true;
        socket.close(); // it keeps reading and dropping, so the peer's close frame gets through
        timers.cancelAll();
        timers.startSingleTimer(DrainDeadline.INSTANCE, DRAIN_DEADLINE);
        return draining();
    }

    private Behavior<Command> onStop(PostStop stop) {
        socket.close();
        if (outbound != null) {
            env.entities().device(deviceId).tell(new DeviceCommand.Detach(outbound));
        }
        return Behaviors.same();
    }

    private void integrityAlert(UUID sessionId, long sequence) {
        // profile §4.4: discard, count, alert; nothing is said to the peer. No content and no session id is
        // logged (the line's actor path tells the connection apart; the audit entry names its device, pseudonymised)
        context.getLog().warn("integrity alert: hash chain mismatch at sequence {}", sequence);
        audit(AuditEvent.of(AuditKinds.INTEGRITY_ALERT).with("reason", "chain-mismatch"));
    }

    /** Audits an event of this connection, naming its user and device once it has authenticated. */
    private void audit(AuditEvent event) {
        env.audit().record(userId == null ? event : event.user(userId).device(deviceId));
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
