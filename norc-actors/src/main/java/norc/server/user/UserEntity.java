package norc.server.user;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.error.NorcException;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.console.Restarts;
import norc.server.contract.WireMessage;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.storage.SealedEvents;
import norc.server.storage.SealedSnapshots;
import norc.server.storage.StorageSeal;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserCommand.AddContacts;
import norc.server.user.api.UserCommand.Create;
import norc.server.user.api.UserCommand.GetContacts;
import norc.server.user.api.UserCommand.GetDevice;
import norc.server.user.api.UserCommand.GetKeys;
import norc.server.user.api.UserCommand.IssueToken;
import norc.server.user.api.UserCommand.PushToDevices;
import norc.server.user.api.UserCommand.Register;
import norc.server.conversation.api.ConversationCommand;
import norc.server.user.api.UserCommand.ResolveRecipient;
import norc.server.user.api.UserCommand.Revoke;
import norc.server.user.api.UserEvent;
import norc.server.user.api.UserEvent.ContactsAdded;
import norc.server.user.api.UserEvent.DeviceRegistered;
import norc.server.user.api.UserEvent.DeviceRevoked;
import norc.server.user.api.UserEvent.EnrollmentTokenIssued;
import norc.server.user.api.UserEvent.UserCreated;
import norc.server.user.api.UserReply;
import norc.server.user.api.UserReply.CreateResult;
import norc.server.user.api.UserReply.Keys;
import norc.server.user.api.UserReply.NoSuchUser;
import norc.server.user.api.UserReply.Recipient;
import norc.server.user.api.UserReply.RegisterResult;
import norc.server.user.api.UserReply.RevokeResult;
import norc.server.user.api.UserReply.TokenIssued;
import norc.server.user.api.UserSnapshot;
import norc.session.MessageSignatures;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.KeyResponse;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One user of this server (sharded by {@code user@domain}, event-sourced): whether the user exists,
 * its device directory with public keys and revocations (spec §6.12), its one-time enrollment
 * tokens (profile §5, stored as hashes), and the users it shares a conversation with, which bound
 * who sees its presence (spec §3.3.2).
 */
public final class UserEntity extends EventSourcedBehaviorWithEnforcedReplies<UserCommand, UserEvent, UserEntity.State> {

    // ---- protocol, events, snapshot: public in norc.server.user.api; this one never leaves the entity ----

    /** Sharding's stop message (hand-off, passivation): queued behind commands stashed during a write, so none is lost. */
    private enum Stop implements UserCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** Ask the revoked device's entity (again) to journal its revocation. */
    private record ConfirmRevocation(UUID deviceId, int attempt) implements UserCommand, NoSerializationVerificationNeeded {}

    /** The device's entity answered, or did not ({@code confirmed} false: ask again after a backoff). */
    private record RevocationAnswered(UUID deviceId, int attempt, boolean confirmed)
            implements UserCommand, NoSerializationVerificationNeeded {}

    /** Revocations recovered that may not have reached their device: re-sent for this long after they were made. */
    static final java.time.Duration RECONCILE_WINDOW = java.time.Duration.ofDays(7);

    // ---- state (immutable; small) ----

    /**
     * {@code contacts}: each presence contact and when it was last recorded (epoch ms);
     * {@code disabled}: an operator disabled the user, who then looks like a user that does not
     * exist (no device authenticates, has keys, or is a recipient; no token is issued).
     */
    record State(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Map<String, Long> contacts,
                 boolean disabled, Set<UUID> groups) {
        static final State EMPTY = new State(false, Map.of(), Map.of(), Map.of());

        State(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Map<String, Long> contacts) {
            this(exists, devices, tokens, contacts, false, Set.of());
        }

        State(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Map<String, Long> contacts,
              boolean disabled) {
            this(exists, devices, tokens, contacts, disabled, Set.of());
        }

        /** The groups the user is in (groups profile A: presence to co-members, the per-user group limit). */
        State withGroup(UUID group, boolean member) {
            Set<UUID> next = new HashSet<>(groups);
            if (member) {
                next.add(group);
            } else {
                next.remove(group);
            }
            return new State(exists, devices, tokens, contacts, disabled, Set.copyOf(next));
        }

        /** The devices that may connect, hold keys and receive at {@code nowSeconds}: none while the user is disabled. */
        List<UUID> activeDevices(long nowSeconds) {
            List<UUID> active = new ArrayList<>();
            if (disabled) {
                return active;
            }
            devices.forEach((id, device) -> {
                if (device.active(nowSeconds)) {
                    active.add(id);
                }
            });
            return active;
        }

        /** {@code old} rotated to {@code successor}: the old key valid until {@code oldExpiresAt} (s). */
        State withRotation(UUID old, DeviceRecord successor, long oldExpiresAt) {
            Map<UUID, DeviceRecord> next = new LinkedHashMap<>(devices);
            next.computeIfPresent(old, (id, device) -> device.rotatedTo(successor.deviceId(), oldExpiresAt));
            next.put(successor.deviceId(), successor);
            return new State(exists, next, tokens, contacts, disabled, groups);
        }

        State created() {
            return new State(true, devices, tokens, contacts, disabled, groups);
        }

        State withDisabled(boolean now) {
            return new State(exists, devices, tokens, contacts, now, groups);
        }

        State withToken(String hash, long expiresAt) {
            Map<String, Long> next = new HashMap<>(tokens);
            next.put(hash, expiresAt);
            return new State(exists, devices, Map.copyOf(next), contacts, disabled, groups);
        }

        State withDevice(DeviceRecord device, String usedToken) {
            Map<UUID, DeviceRecord> next = new LinkedHashMap<>(devices);
            next.put(device.deviceId(), device);
            Map<String, Long> remaining = new HashMap<>(tokens);
            remaining.remove(usedToken);
            return new State(true, next, Map.copyOf(remaining), contacts, disabled, groups);
        }

        State withRevoked(UUID deviceId, long at) {
            Map<UUID, DeviceRecord> next = new LinkedHashMap<>(devices);
            next.computeIfPresent(deviceId, (id, device) -> device.revokedAt(at));
            return new State(exists, next, tokens, contacts, disabled, groups);
        }

        /** Records {@code more} at {@code at} and forgets every contact last recorded more than {@code ttl} before it. */
        State withContacts(Set<String> more, long at, long ttlMillis) {
            Map<String, Long> next = new HashMap<>();
            contacts.forEach((user, seen) -> {
                if (seen >= at - ttlMillis) {
                    next.put(user, seen);
                }
            });
            more.forEach(user -> next.put(user, at));
            return new State(exists, devices, tokens, Map.copyOf(next), disabled, groups);
        }

        /** The contacts recorded within {@code ttl} before {@code now}. */
        Set<String> currentContacts(long now, long ttlMillis) {
            Set<String> current = new HashSet<>();
            contacts.forEach((user, seen) -> {
                if (seen >= now - ttlMillis) {
                    current.add(user);
                }
            });
            return Set.copyOf(current);
        }
    }

    // ---- sharding ----

    /**
     * Registers the entity type. Supervision: a crash (a bug, or a journal write that failed)
     * restarts only this user's entity with backoff; it recovers its state from the journal.
     */
    public static void init(ActorSystem<?> system, ShardedEntities entities, int snapshotEvery, java.time.Duration contactsTtl,
                            ServerSettings.DeviceKeys deviceKeys, AuditLog audit, StorageSeal seal) {
        init(system, entities, snapshotEvery, contactsTtl, deviceKeys, audit, seal, new Restarts());
    }

    /** {@code supervision}: where this type's restarts are reported, for the console. */
    public static void init(ActorSystem<?> system, ShardedEntities entities, int snapshotEvery, java.time.Duration contactsTtl,
                            ServerSettings.DeviceKeys deviceKeys, AuditLog audit, StorageSeal seal, Restarts supervision) {
        entities.sharding().init(Entity.of(UserCommand.ENTITY_TYPE_KEY, context -> Behaviors.<UserCommand>setup(ctx ->
                        Behaviors.withTimers(timers -> new UserEntity(ctx, timers, entities.userIdOf(context.getEntityId()), system,
                                entities, snapshotEvery, contactsTtl.toMillis(), deviceKeys, audit, seal, supervision))))
                .withStopMessage(Stop.INSTANCE));
    }

    /** Stored under a pseudonymous persistence id, its events and snapshots sealed ({@link StorageSeal}). */
    public static Behavior<UserCommand> create(String userId, ActorSystem<?> system, ShardedEntities entities, int snapshotEvery,
                                               java.time.Duration contactsTtl, ServerSettings.DeviceKeys deviceKeys, AuditLog audit,
                                               StorageSeal seal) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new UserEntity(context, timers, userId, system, entities, snapshotEvery, contactsTtl.toMillis(), deviceKeys, audit,
                        seal, new Restarts())));
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The reason of an operator's revocation ({@link UserCommand.AdminRevoke}); a signed one carries the profile's. */
    static final String ADMIN_REASON = "admin";

    private final String userId;
    private final ShardedEntities entities;
    private final int snapshotEvery;
    private final long contactsTtlMillis;
    private final long lifetimeSeconds;
    private final long overlapSeconds;
    /** Active devices a user may have (groups profile A.1). */
    private final int maxDevices;
    private final AuditLog audit;
    private final SealedEvents<UserEvent> sealedEvents;
    private final StorageSeal seal;
    private final ActorSystem<?> system;
    private final ActorContext<UserCommand> context;
    private final TimerScheduler<UserCommand> timers;
    private final Restarts supervision;
    private boolean recoveryFailed; // reported by RecoveryFailed already: its PreRestart is not counted again

    private UserEntity(ActorContext<UserCommand> context, TimerScheduler<UserCommand> timers, String userId, ActorSystem<?> system,
                       ShardedEntities entities, int snapshotEvery, long contactsTtlMillis, ServerSettings.DeviceKeys deviceKeys,
                       AuditLog audit, StorageSeal seal, Restarts supervision) {
        super(seal.persistenceId(UserCommand.ENTITY_TYPE_KEY.name(), userId),
                SupervisorStrategy.restartWithBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5), 0.2));
        this.sealedEvents = new SealedEvents<>(seal, system, persistenceId(), UserEvent.class);
        this.seal = seal;
        this.system = system;
        this.userId = userId;
        this.entities = entities;
        this.snapshotEvery = snapshotEvery;
        this.contactsTtlMillis = contactsTtlMillis;
        this.lifetimeSeconds = deviceKeys.lifetime().toSeconds();
        this.overlapSeconds = deviceKeys.rotationOverlap().toSeconds();
        this.maxDevices = deviceKeys.maxPerUser();
        this.audit = audit;
        this.context = context;
        this.timers = timers;
        this.supervision = supervision;
    }

    /**
     * After recovery, every revocation of the last {@link #RECONCILE_WINDOW} is told to its device
     * again: the node may have died between journalling it and telling the device, whose session
     * would then stay open and whose inbox would keep its messages. The device answers at once
     * when it knows.
     */
    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
            long since = System.currentTimeMillis() - RECONCILE_WINDOW.toMillis();
            state.devices().values().stream().filter(d -> d.revoked() && d.revokedAt() >= since)
                    .forEach(d -> context.getSelf().tell(new ConfirmRevocation(d.deviceId(), 0)));
        }).onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class, (state, failed) -> { // the journal is away
            recoveryFailed = true;
            supervision.restarted(context.getSelf().path().toStringWithoutAddress(), failed.getFailure());
        }).onSignal(org.apache.pekko.actor.typed.PreRestart.instance(), state -> { // a write failed (or the recovery, counted above)
            if (!recoveryFailed) {
                supervision.restarted(context.getSelf().path().toStringWithoutAddress(), null);
            }
            recoveryFailed = false;
        }).build();
    }

    /** Asks the device's entity to journal its revocation; asked again with backoff (1 s to 60 s) until it answers. */
    private ReplyEffect<UserEvent, State> onConfirmRevocation(State state, ConfirmRevocation c) {
        askToConfirm(c.deviceId(), c.attempt());
        return Effect().noReply();
    }

    private void askToConfirm(UUID deviceId, int attempt) {
        context.ask(DeviceReply.RevokeConfirmed.class, device(deviceId), java.time.Duration.ofSeconds(5),
                DeviceCommand.ConfirmRevoke::new, (reply, failure) -> new RevocationAnswered(deviceId, attempt, reply != null));
    }

    private ReplyEffect<UserEvent, State> onRevocationAnswered(State state, RevocationAnswered answered) {
        if (!answered.confirmed()) {
            long delay = Math.min(60_000L, 1000L << Math.min(answered.attempt(), 6));
            timers.startSingleTimer(answered.deviceId(), new ConfirmRevocation(answered.deviceId(), answered.attempt() + 1),
                    java.time.Duration.ofMillis(delay));
        }
        return Effect().noReply();
    }

    @Override
    public State emptyState() {
        return State.EMPTY;
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        // the whole state is in each snapshot, so events two snapshots old go (contacts, tokens used)
        return RetentionCriteria.snapshotEvery(snapshotEvery, 2).withDeleteEventsOnSnapshot();
    }

    @Override
    public EventAdapter<UserEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SealedSnapshots<>(seal, system, persistenceId(), new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new UserSnapshot(state.exists(), state.devices(), state.tokens(), Set.of(), state.contacts(), state.disabled(),
                        state.groups());
            }

            @Override
            public State fromJournal(Object from) {
                UserSnapshot snapshot = (UserSnapshot) from;
                Map<String, Long> contacts = new HashMap<>();
                if (snapshot.contacts() != null) { // written before contacts aged out: recorded at 0, gone at once
                    snapshot.contacts().forEach(user -> contacts.put(user, 0L));
                }
                if (snapshot.contactsSeen() != null) {
                    contacts.putAll(snapshot.contactsSeen());
                }
                Map<UUID, DeviceRecord> devices = new LinkedHashMap<>();
                snapshot.devices().forEach((id, device) -> devices.put(id, withExpiry(device)));
                return new State(snapshot.exists(), Map.copyOf(devices), Map.copyOf(snapshot.tokens()), Map.copyOf(contacts),
                        Boolean.TRUE.equals(snapshot.disabled()), snapshot.groups() == null ? Set.of() : Set.copyOf(snapshot.groups()));
            }
        });
    }

    @Override
    public CommandHandlerWithReply<UserCommand, UserEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Create.class, this::onCreate)
                .onCommand(IssueToken.class, this::onIssueToken)
                .onCommand(Register.class, this::onRegister)
                .onCommand(UserCommand.Rotate.class, this::onRotate)
                .onCommand(GetDevice.class, (state, c) -> Effect().reply(c.replyTo(), new UserReply.DeviceLookup(
                        state.disabled() ? Optional.empty() : Optional.ofNullable(state.devices().get(c.deviceId())))))
                .onCommand(GetKeys.class, this::onGetKeys)
                .onCommand(UserCommand.ListDevices.class, (state, c) -> Effect().reply(c.replyTo(),
                        new UserReply.Devices(state.exists(), List.copyOf(state.devices().values()), state.disabled())))
                .onCommand(UserCommand.SetDisabled.class, this::onSetDisabled)
                .onCommand(UserCommand.AdminRevoke.class, this::onAdminRevoke)
                .onCommand(ResolveRecipient.class, this::onResolveRecipient)
                .onCommand(AddContacts.class, this::onAddContacts)
                .onCommand(GetContacts.class, (state, c) -> Effect().reply(c.replyTo(),
                        new UserReply.Contacts(state.currentContacts(System.currentTimeMillis(), contactsTtlMillis), state.groups())))
                .onCommand(UserCommand.InGroup.class, (state, c) -> state.groups().contains(c.conversationId()) == c.member()
                        ? Effect().noReply()
                        : Effect().persist(c.member() ? new UserEvent.GroupJoined(c.conversationId())
                                : new UserEvent.GroupLeft(c.conversationId())).thenNoReply())
                .onCommand(Revoke.class, this::onRevoke)
                .onCommand(PushToDevices.class, this::onPushToDevices)
                .onCommand(ConfirmRevocation.class, this::onConfirmRevocation)
                .onCommand(RevocationAnswered.class, this::onRevocationAnswered)
                .onCommand(Stop.class, (state, c) -> Effect().stop().thenNoReply())
                .build();
    }

    private ReplyEffect<UserEvent, State> onCreate(State state, Create c) {
        if (state.exists()) {
            return Effect().reply(c.replyTo(), CreateResult.ALREADY_EXISTS);
        }
        return Effect().persist(new UserCreated(System.currentTimeMillis())).thenReply(c.replyTo(), s -> CreateResult.CREATED);
    }

    private ReplyEffect<UserEvent, State> onIssueToken(State state, IssueToken c) {
        if (!state.exists() || state.disabled()) {
            return Effect().reply(c.replyTo(), NoSuchUser.INSTANCE);
        }
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return Effect().persist(new EnrollmentTokenIssued(tokenHash(token), c.expiresAt()))
                .thenReply(c.replyTo(), s -> new TokenIssued(token, c.expiresAt()));
    }

    private ReplyEffect<UserEvent, State> onRegister(State state, Register c) {
        DeviceRecord device = c.device();
        if (state.devices().containsKey(device.deviceId())) {
            return Effect().reply(c.replyTo(), RegisterResult.DEVICE_EXISTS);
        }
        if (c.token().isPresent()) {
            String hash = tokenHash(c.token().get());
            Long expiresAt = state.tokens().get(hash);
            if (!state.exists() || state.disabled() || expiresAt == null || expiresAt < c.nowSeconds()) {
                return Effect().reply(c.replyTo(), RegisterResult.TOKEN_INVALID);
            }
            long counted = state.devices().values().stream()
                    .filter(d -> d.active(c.nowSeconds()) && d.successor() == null).count(); // a predecessor in its overlap does not count
            if (counted >= maxDevices) {
                return Effect().reply(c.replyTo(), RegisterResult.DEVICE_LIMIT);
            }
            return Effect().persist(new DeviceRegistered(device.expiringAt(c.nowSeconds() + lifetimeSeconds), hash, false))
                    .thenRun(this::tellGroups)
                    .thenReply(c.replyTo(), s -> RegisterResult.REGISTERED);
        }
        if (!c.openRegistration()) {
            return Effect().reply(c.replyTo(), RegisterResult.TOKEN_REQUIRED);
        }
        if (state.exists()) {
            return Effect().reply(c.replyTo(), RegisterResult.USER_EXISTS);
        }
        return Effect().persist(new DeviceRegistered(device.expiringAt(c.nowSeconds() + lifetimeSeconds), "", true))
                .thenReply(c.replyTo(), s -> RegisterResult.REGISTERED);
    }

    /**
     * {@code device_key_rotate} (groups profile C), its signatures checked by the connection: the
     * successor is active for the lifetime, the old key at most the overlap more; refused (3017)
     * for an old device not active or already rotated, or a successor id this user ever used.
     */
    private ReplyEffect<UserEvent, State> onRotate(State state, UserCommand.Rotate c) {
        DeviceRecord old = state.devices().get(c.oldDeviceId());
        if (!state.exists() || state.disabled() || old == null || !old.active(c.nowSeconds())) {
            return Effect().reply(c.replyTo(), new UserReply.RotateRefused(false));
        }
        if (old.successor() != null || state.devices().containsKey(c.successor().deviceId())) {
            return Effect().reply(c.replyTo(), new UserReply.RotateRefused(true));
        }
        DeviceRecord successor = c.successor().expiringAt(c.nowSeconds() + lifetimeSeconds);
        long oldExpiresAt = Math.min(old.expiresAt(), c.nowSeconds() + overlapSeconds);
        return Effect().persist(new UserEvent.DeviceRotated(c.oldDeviceId(), successor, oldExpiresAt))
                .thenRun(s -> audit.record(AuditEvent.of(AuditKinds.DEVICE_ROTATION).user(userId).device(c.oldDeviceId())))
                .thenRun(this::tellGroups)
                .thenReply(c.replyTo(), s -> new UserReply.Rotated(new Keys(userId, activeKeys(s, c.nowSeconds()))));
    }

    /** Every group of the user hears its active devices now, so a change reaches the group at once (A.1). */
    private void tellGroups(State state) {
        Set<UUID> active = Set.copyOf(state.activeDevices(nowSeconds()));
        state.groups().forEach(group -> entities.conversation(group).tell(new ConversationCommand.UserDevices(userId, active)));
    }

    private Map<UUID, KeyResponse.DeviceKey> activeKeys(State state, long nowSeconds) {
        Map<UUID, KeyResponse.DeviceKey> keys = new LinkedHashMap<>();
        for (UUID id : state.activeDevices(nowSeconds)) {
            keys.put(id, state.devices().get(id).publicKeys());
        }
        return keys;
    }

    /** A record journalled before keys expired gets registration + the lifetime. */
    private DeviceRecord withExpiry(DeviceRecord device) {
        return device.expiresAt() != 0 ? device : device.expiringAt(device.registeredAt() / 1000 + lifetimeSeconds);
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    private ReplyEffect<UserEvent, State> onGetKeys(State state, GetKeys c) {
        Map<UUID, KeyResponse.DeviceKey> keys = activeKeys(state, nowSeconds());
        keys.keySet().removeIf(id -> !c.filter().map(f -> f.contains(id)).orElse(true));
        return Effect().reply(c.replyTo(), new Keys(userId, keys));
    }

    private ReplyEffect<UserEvent, State> onResolveRecipient(State state, ResolveRecipient c) {
        return Effect().reply(c.replyTo(), new Recipient(userId, state.exists() ? state.activeDevices(nowSeconds()) : List.of(),
                state.groups().size()));
    }

    private ReplyEffect<UserEvent, State> onAddContacts(State state, AddContacts c) {
        Set<String> newContacts = newContacts(state, c.members());
        if (!state.exists() || newContacts.isEmpty()) {
            return Effect().noReply();
        }
        return Effect().persist(new ContactsAdded(newContacts, System.currentTimeMillis())).thenNoReply();
    }

    /** Members not yet contacts, or recorded more than half the time to live ago (so a live contact is journalled twice a TTL at most). */
    private Set<String> newContacts(State state, Set<String> members) {
        long refreshBefore = System.currentTimeMillis() - contactsTtlMillis / 2;
        Set<String> fresh = new HashSet<>();
        for (String member : members) {
            Long seen = state.contacts().get(member);
            if (!member.equals(userId) && (seen == null || seen < refreshBefore)) {
                fresh.add(member);
            }
        }
        return fresh;
    }

    private ReplyEffect<UserEvent, State> onRevoke(State state, Revoke c) {
        Codec codec = c.encoding().codec(WireLimits.DEFAULT);
        DeviceRevoke revoke;
        try {
            revoke = codec.decodeMessage(c.message()) instanceof DeviceRevoke r ? r : null;
        } catch (NorcException e) {
            revoke = null;
        }
        RevokeResult refusal = refusal(state, revoke, codec);
        if (refusal != null) {
            return Effect().reply(c.replyTo(), refusal);
        }
        DeviceRevoke signed = revoke;
        DeviceRevoked event = new DeviceRevoked(signed.deviceId(), signed.revokedBy(), signed.effectiveAt(),
                System.currentTimeMillis(), signed.reason().wireName(), c.encoding(), codec.encodeMessage(signed));
        return Effect().persist(event)
                .thenRun(s -> {
                    audit.record(AuditEvent.of(AuditKinds.DEVICE_REVOCATION).with("reason", signed.reason().wireName())
                            .with("by", signed.revokedBy().equals(signed.deviceId()) ? "itself" : "another-device")
                            .user(userId).device(signed.deviceId()));
                    askToConfirm(signed.deviceId(), 0); // asked again until it answers
                    pushToActive(s, WireMessage.of(signed), Optional.of(signed.deviceId()));
                    tellGroups(s);
                })
                .thenReply(c.replyTo(), s -> RevokeResult.REVOKED);
    }

    /**
     * An operator disables (or enables again) the user. Disabling closes every live session of its
     * devices at once (through their entities, on whichever node holds them); until enabled, the
     * user looks to everyone like a user that does not exist.
     */
    private ReplyEffect<UserEvent, State> onSetDisabled(State state, UserCommand.SetDisabled c) {
        if (!state.exists()) {
            return Effect().reply(c.replyTo(), UserReply.DisableResult.NO_SUCH_USER);
        }
        if (state.disabled() == c.disabled()) {
            return Effect().reply(c.replyTo(), UserReply.DisableResult.UNCHANGED);
        }
        List<UUID> live = state.activeDevices(nowSeconds());
        long now = System.currentTimeMillis();
        UserEvent event = c.disabled() ? new UserEvent.UserDisabled(now) : new UserEvent.UserEnabled(now);
        return Effect().persist(event)
                .thenRun(s -> {
                    audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", c.disabled() ? "user.disabled" : "user.enabled")
                            .with("via", "admin-api").user(userId));
                    if (c.disabled()) {
                        live.forEach(id -> device(id).tell(new DeviceCommand.Disconnect(system.ignoreRef())));
                    }
                })
                .thenReply(c.replyTo(), s -> UserReply.DisableResult.CHANGED);
    }

    /** An operator's revocation: journalled without a signed message, then asked of the device like any other. */
    private ReplyEffect<UserEvent, State> onAdminRevoke(State state, UserCommand.AdminRevoke c) {
        DeviceRecord target = state.devices().get(c.deviceId());
        if (target == null) {
            return Effect().reply(c.replyTo(), RevokeResult.UNKNOWN_DEVICE);
        }
        if (target.revoked()) {
            return Effect().reply(c.replyTo(), RevokeResult.ALREADY_REVOKED);
        }
        long now = System.currentTimeMillis();
        return Effect().persist(new DeviceRevoked(c.deviceId(), null, now, now, ADMIN_REASON, null, null))
                .thenRun(s -> {
                    audit.record(AuditEvent.of(AuditKinds.DEVICE_REVOCATION).with("reason", ADMIN_REASON).with("by", "operator")
                            .user(userId).device(c.deviceId()));
                    askToConfirm(c.deviceId(), 0);
                    tellGroups(s);
                })
                .thenReply(c.replyTo(), s -> RevokeResult.REVOKED);
    }

    /** Why a {@code device_revoke} is refused, or {@code null} if it is valid (spec §6.12). */
    private RevokeResult refusal(State state, DeviceRevoke revoke, Codec codec) {
        if (revoke == null || !revoke.userId().equals(userId)) {
            return RevokeResult.NOT_THIS_USER;
        }
        DeviceRecord target = state.devices().get(revoke.deviceId());
        if (target == null) {
            return RevokeResult.UNKNOWN_DEVICE;
        }
        if (target.revoked()) {
            return RevokeResult.ALREADY_REVOKED;
        }
        DeviceRecord signer = state.devices().get(revoke.revokedBy());
        if (signer == null || (signer.revoked() && !signer.deviceId().equals(revoke.deviceId()))) {
            return RevokeResult.SIGNER_NOT_PERMITTED;
        }
        if (!MessageSignatures.REVOKE.verify(signer.publicKey(), revoke.signature(), null, codec, revoke)) {
            return RevokeResult.BAD_SIGNATURE;
        }
        return null;
    }

    private ReplyEffect<UserEvent, State> onPushToDevices(State state, PushToDevices c) {
        for (UUID id : state.activeDevices(nowSeconds())) { // another user's presence: within each device's relay budget
            if (c.except().map(e -> !e.equals(id)).orElse(true)) {
                device(id).tell(new DeviceCommand.Relay(c.message()));
            }
        }
        return Effect().noReply();
    }

    private void pushToActive(State state, WireMessage message, Optional<UUID> except) {
        for (UUID id : state.activeDevices(nowSeconds())) {
            if (except.map(e -> !e.equals(id)).orElse(true)) {
                device(id).tell(new DeviceCommand.Push(message));
            }
        }
    }

    private EntityRef<DeviceCommand> device(UUID id) {
        return entities.device(id);
    }

    @Override
    public EventHandler<State, UserEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(UserCreated.class, (state, e) -> state.created())
                .onEvent(EnrollmentTokenIssued.class, (state, e) -> state.withToken(e.tokenHash(), e.expiresAt()))
                .onEvent(DeviceRegistered.class, (state, e) -> state.withDevice(withExpiry(e.device()), e.tokenHash()))
                .onEvent(UserEvent.DeviceRotated.class, (state, e) -> state.withRotation(e.oldDeviceId(), e.successor(), e.oldExpiresAt()))
                .onEvent(DeviceRevoked.class, (state, e) -> state.withRevoked(e.deviceId(), e.at()))
                .onEvent(ContactsAdded.class, (state, e) -> state.withContacts(e.users(), e.at(), contactsTtlMillis))
                .onEvent(UserEvent.UserDisabled.class, (state, e) -> state.withDisabled(true))
                .onEvent(UserEvent.UserEnabled.class, (state, e) -> state.withDisabled(false))
                .onEvent(UserEvent.GroupJoined.class, (state, e) -> state.withGroup(e.conversationId(), true))
                .onEvent(UserEvent.GroupLeft.class, (state, e) -> state.withGroup(e.conversationId(), false))
                .build();
    }

    /** Tokens are stored hashed: the journal alone does not let anyone enroll a device. */
    static String tokenHash(String token) {
        return Bytes.hex(Blake3.hash("norc:enrollment-token:v1".getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8)));
    }
}
