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
import norc.server.CborSerializable;
import norc.server.device.DeviceSessionEntity;
import norc.session.MessageSignatures;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.KeyResponse;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
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
public final class UserEntity extends EventSourcedBehaviorWithEnforcedReplies<UserEntity.Command, UserEntity.Event, UserEntity.State> {

    // ---- protocol ----

    public sealed interface Command extends CborSerializable {}

    /** Operator: create the user. */
    public record Create(ActorRef<CreateResult> replyTo) implements Command {}

    public enum CreateResult { CREATED, ALREADY_EXISTS }

    /** Operator or one of the user's devices: a one-time enrollment token valid until {@code expiresAt} (s). */
    public record IssueToken(long expiresAt, ActorRef<TokenResult> replyTo) implements Command {}

    public sealed interface TokenResult extends CborSerializable {}

    public record TokenIssued(String token, long expiresAt) implements TokenResult {}

    public enum NoSuchUser implements TokenResult { INSTANCE }

    /**
     * Adds a device whose registration signature the connection already verified. With a token,
     * the token must be valid and unused; with {@code openRegistration} and no token, only a user
     * that does not exist yet is created with this first device.
     */
    public record Register(DeviceRecord device, Optional<String> token, boolean openRegistration, long nowSeconds,
                           ActorRef<Boolean> replyTo) implements Command {}

    /** The device's record, if this user has it (revoked ones included). */
    public record GetDevice(UUID deviceId, ActorRef<DeviceLookup> replyTo) implements Command {}

    public record DeviceLookup(Optional<DeviceRecord> device) implements CborSerializable {}

    /** Public keys of the active devices, optionally filtered (profile §5). */
    public record GetKeys(Optional<List<UUID>> filter, ActorRef<Keys> replyTo) implements Command {}

    public record Keys(String userId, Map<UUID, KeyResponse.DeviceKey> devices) implements CborSerializable {}

    /** Routing: the user's active devices. Contacts are recorded only once a copy was stored ({@link AddContacts}). */
    public record ResolveRecipient(ActorRef<Recipient> replyTo) implements Command {}

    public record Recipient(String userId, List<UUID> devices) implements CborSerializable {}

    /** Records contacts without answering: the other members of a conversation this user's device sent to or received from. */
    public record AddContacts(Set<String> members) implements Command {}

    public record GetContacts(ActorRef<Contacts> replyTo) implements Command {}

    public record Contacts(Set<String> users) implements CborSerializable {}

    /**
     * A signed {@code device_revoke} (spec §6.12) in the encoding it arrived in, because the
     * signature covers that encoding's canonical form.
     */
    public record Revoke(DeviceRevoke revoke, WireEncoding encoding, ActorRef<Boolean> replyTo) implements Command {}

    /** Hands an ephemeral message (presence, revocation notice) to every active device except one. */
    public record PushToDevices(NorcMessage message, Optional<UUID> except) implements Command {}

    // ---- events (class names are journal manifests) ----

    public sealed interface Event extends CborSerializable {}

    public record UserCreated(long at) implements Event {}

    public record EnrollmentTokenIssued(String tokenHash, long expiresAt) implements Event {}

    /** {@code tokenHash} is the token used, or empty for open registration. */
    public record DeviceRegistered(DeviceRecord device, String tokenHash, boolean createdUser) implements Event {}

    /** {@code revokeMessage}: the canonical bytes of the signed message in {@code encoding}, kept as evidence. */
    public record DeviceRevoked(UUID deviceId, UUID revokedBy, long effectiveAt, long at, String reason,
                                WireEncoding encoding, byte[] revokeMessage) implements Event {}

    public record ContactsAdded(Set<String> users) implements Event {}

    // ---- state (immutable; small) ----

    public record State(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens,
                        Set<String> contacts) implements CborSerializable {
        static final State EMPTY = new State(false, Map.of(), Map.of(), Set.of());

        List<UUID> activeDevices() {
            List<UUID> active = new ArrayList<>();
            devices.forEach((id, device) -> {
                if (!device.revoked()) {
                    active.add(id);
                }
            });
            return active;
        }

        State created() {
            return new State(true, devices, tokens, contacts);
        }

        State withToken(String hash, long expiresAt) {
            Map<String, Long> next = new HashMap<>(tokens);
            next.put(hash, expiresAt);
            return new State(exists, devices, Map.copyOf(next), contacts);
        }

        State withDevice(DeviceRecord device, String usedToken) {
            Map<UUID, DeviceRecord> next = new LinkedHashMap<>(devices);
            next.put(device.deviceId(), device);
            Map<String, Long> remaining = new HashMap<>(tokens);
            remaining.remove(usedToken);
            return new State(true, next, Map.copyOf(remaining), contacts);
        }

        State withRevoked(UUID deviceId, long at) {
            Map<UUID, DeviceRecord> next = new LinkedHashMap<>(devices);
            next.computeIfPresent(deviceId, (id, device) -> device.revokedAt(at));
            return new State(exists, next, tokens, contacts);
        }

        State withContacts(Set<String> more) {
            Set<String> next = new HashSet<>(contacts);
            next.addAll(more);
            return new State(exists, devices, tokens, Set.copyOf(next));
        }
    }

    // ---- sharding ----

    public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "User");

    /**
     * Registers the entity type. Supervision: a crash (a bug, or a journal write that failed)
     * restarts only this user's entity with backoff; it recovers its state from the journal.
     */
    public static void init(ActorSystem<?> system, int snapshotEvery) {
        ClusterSharding sharding = ClusterSharding.get(system);
        sharding.init(Entity.of(ENTITY_TYPE_KEY, context -> create(context.getEntityId(), sharding, snapshotEvery)));
    }

    public static Behavior<Command> create(String userId, ClusterSharding sharding, int snapshotEvery) {
        return new UserEntity(userId, sharding, snapshotEvery);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String userId;
    private final ClusterSharding sharding;
    private final int snapshotEvery;

    private UserEntity(String userId, ClusterSharding sharding, int snapshotEvery) {
        super(PersistenceId.of(ENTITY_TYPE_KEY.name(), userId),
                SupervisorStrategy.restartWithBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5), 0.2));
        this.userId = userId;
        this.sharding = sharding;
        this.snapshotEvery = snapshotEvery;
    }

    @Override
    public State emptyState() {
        return State.EMPTY;
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Create.class, this::onCreate)
                .onCommand(IssueToken.class, this::onIssueToken)
                .onCommand(Register.class, this::onRegister)
                .onCommand(GetDevice.class, (state, c) -> Effect().reply(c.replyTo(), new DeviceLookup(Optional.ofNullable(state.devices().get(c.deviceId())))))
                .onCommand(GetKeys.class, this::onGetKeys)
                .onCommand(ResolveRecipient.class, this::onResolveRecipient)
                .onCommand(AddContacts.class, this::onAddContacts)
                .onCommand(GetContacts.class, (state, c) -> Effect().reply(c.replyTo(), new Contacts(state.contacts())))
                .onCommand(Revoke.class, this::onRevoke)
                .onCommand(PushToDevices.class, this::onPushToDevices)
                .build();
    }

    private ReplyEffect<Event, State> onCreate(State state, Create c) {
        if (state.exists()) {
            return Effect().reply(c.replyTo(), CreateResult.ALREADY_EXISTS);
        }
        return Effect().persist(new UserCreated(System.currentTimeMillis())).thenReply(c.replyTo(), s -> CreateResult.CREATED);
    }

    private ReplyEffect<Event, State> onIssueToken(State state, IssueToken c) {
        if (!state.exists()) {
            return Effect().reply(c.replyTo(), NoSuchUser.INSTANCE);
        }
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return Effect().persist(new EnrollmentTokenIssued(tokenHash(token), c.expiresAt()))
                .thenReply(c.replyTo(), s -> new TokenIssued(token, c.expiresAt()));
    }

    private ReplyEffect<Event, State> onRegister(State state, Register c) {
        DeviceRecord device = c.device();
        if (state.devices().containsKey(device.deviceId())) {
            return Effect().reply(c.replyTo(), false);
        }
        if (c.token().isPresent()) {
            String hash = tokenHash(c.token().get());
            Long expiresAt = state.tokens().get(hash);
            if (!state.exists() || expiresAt == null || expiresAt < c.nowSeconds()) {
                return Effect().reply(c.replyTo(), false);
            }
            return Effect().persist(new DeviceRegistered(device, hash, false)).thenReply(c.replyTo(), s -> true);
        }
        if (c.openRegistration() && !state.exists()) {
            return Effect().persist(new DeviceRegistered(device, "", true)).thenReply(c.replyTo(), s -> true);
        }
        return Effect().reply(c.replyTo(), false);
    }

    private ReplyEffect<Event, State> onGetKeys(State state, GetKeys c) {
        Map<UUID, KeyResponse.DeviceKey> keys = new LinkedHashMap<>();
        state.devices().forEach((id, device) -> {
            if (!device.revoked() && c.filter().map(f -> f.contains(id)).orElse(true)) {
                keys.put(id, device.publicKeys());
            }
        });
        return Effect().reply(c.replyTo(), new Keys(userId, keys));
    }

    private ReplyEffect<Event, State> onResolveRecipient(State state, ResolveRecipient c) {
        return Effect().reply(c.replyTo(), new Recipient(userId, state.exists() ? state.activeDevices() : List.of()));
    }

    private ReplyEffect<Event, State> onAddContacts(State state, AddContacts c) {
        Set<String> newContacts = newContacts(state, c.members());
        if (!state.exists() || newContacts.isEmpty()) {
            return Effect().noReply();
        }
        return Effect().persist(new ContactsAdded(newContacts)).thenNoReply();
    }

    private Set<String> newContacts(State state, Set<String> members) {
        Set<String> fresh = new HashSet<>(members);
        fresh.remove(userId);
        fresh.removeAll(state.contacts());
        return fresh;
    }

    private ReplyEffect<Event, State> onRevoke(State state, Revoke c) {
        DeviceRevoke revoke = c.revoke();
        DeviceRecord target = state.devices().get(revoke.deviceId());
        DeviceRecord signer = state.devices().get(revoke.revokedBy());
        boolean signerMayRevoke = signer != null && (!signer.revoked() || signer.deviceId().equals(revoke.deviceId()));
        if (!revoke.userId().equals(userId) || target == null || target.revoked() || !signerMayRevoke
                || !MessageSignatures.REVOKE.verify(signer.publicKey(), revoke.signature(), null,
                        c.encoding().codec(WireLimits.DEFAULT), revoke)) {
            return Effect().reply(c.replyTo(), false);
        }
        byte[] evidence = c.encoding().codec(WireLimits.DEFAULT).encodeMessage(revoke);
        DeviceRevoked event = new DeviceRevoked(revoke.deviceId(), revoke.revokedBy(), revoke.effectiveAt(),
                System.currentTimeMillis(), revoke.reason().wireName(), c.encoding(), evidence);
        return Effect().persist(event)
                .thenRun(s -> {
                    device(revoke.deviceId()).tell(DeviceSessionEntity.Revoke.INSTANCE);
                    pushToActive(s, revoke, Optional.of(revoke.deviceId()));
                })
                .thenReply(c.replyTo(), s -> true);
    }

    private ReplyEffect<Event, State> onPushToDevices(State state, PushToDevices c) {
        pushToActive(state, c.message(), c.except());
        return Effect().noReply();
    }

    private void pushToActive(State state, NorcMessage message, Optional<UUID> except) {
        for (UUID id : state.activeDevices()) {
            if (except.map(e -> !e.equals(id)).orElse(true)) {
                device(id).tell(new DeviceSessionEntity.Push(message));
            }
        }
    }

    private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<DeviceSessionEntity.Command> device(UUID id) {
        return sharding.entityRefFor(DeviceSessionEntity.ENTITY_TYPE_KEY, id.toString());
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(UserCreated.class, (state, e) -> state.created())
                .onEvent(EnrollmentTokenIssued.class, (state, e) -> state.withToken(e.tokenHash(), e.expiresAt()))
                .onEvent(DeviceRegistered.class, (state, e) -> state.withDevice(e.device(), e.tokenHash()))
                .onEvent(DeviceRevoked.class, (state, e) -> state.withRevoked(e.deviceId(), e.at()))
                .onEvent(ContactsAdded.class, (state, e) -> state.withContacts(e.users()))
                .build();
    }

    /** Tokens are stored hashed: the journal alone does not let anyone enroll a device. */
    static String tokenHash(String token) {
        return Bytes.hex(Blake3.hash("norc:enrollment-token:v1".getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8)));
    }
}
