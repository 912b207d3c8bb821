package norc.server.device;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.server.CborSerializable;
import norc.server.ServerSettings;
import norc.server.connection.ConnectionActor;
import norc.server.metrics.ServerMetrics;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One device (sharded by device id, event-sourced): its inbox for store-and-forward delivery
 * (spec §9.2), the live connection it delivers to, deduplication by {@code message_id}, its spec
 * §6.16 budgets, and whether it was revoked. Delivery is at-least-once: a message enters the inbox
 * with a committed event before its sender hears {@code accepted}, goes to the device's connection
 * in inbox order with at most {@code in-flight} unacknowledged, and leaves only when the device
 * acknowledges it (or its TTL passed). The connection re-attaches periodically, which survives a
 * restart or a move of this entity.
 * <p>Acknowledgements are journalled in batches: the acks that arrive within {@code ack-flush-delay}
 * (or until {@code in-flight} of them are waiting) become one {@link MessagesAcknowledged} event, so
 * a device draining its inbox costs one commit per batch, not one per message. Until that event is
 * committed an acknowledged message only stops counting against the in-flight window; if the entity
 * dies first, the message is delivered again and the client drops it by {@code message_id}
 * (at-least-once). The sender's {@code delivered} receipt leaves after the commit.
 */
public final class DeviceSessionEntity
        extends EventSourcedBehaviorWithEnforcedReplies<DeviceSessionEntity.Command, DeviceSessionEntity.Event, DeviceSessionEntity.State> {

    // ---- protocol ----

    public sealed interface Command extends CborSerializable {}

    /** Binds the device id to its user at registration; false if another user holds it. */
    public record Claim(String userId, ActorRef<Boolean> replyTo) implements Command {}

    /** Stores a relayed message (the per-device {@code message_send}, binary payload encoding). */
    public record Store(UUID messageId, byte[] payload, UUID senderDevice, long expiresAt,
                        ActorRef<StoreReply> replyTo) implements Command {}

    public enum StoreResult implements CborSerializable { STORED, DUPLICATE, REVOKED }

    /** The answer to {@link Store}, naming the device so that one adapter serves every copy of a send. */
    public record StoreReply(UUID deviceId, StoreResult result) implements CborSerializable {}

    /** The device's authenticated connection; sent on authentication and then periodically. */
    public record Attach(ActorRef<ConnectionActor.Command> connection) implements Command {}

    public record Detach(ActorRef<ConnectionActor.Command> connection) implements Command {}

    /** The device acknowledged a delivered message ({@code delivered} or {@code read}). */
    public record Acknowledge(UUID messageId, AckStatus status) implements Command {}

    /** Spends one unit of a budget; the answer is 0 if allowed, else seconds to wait. */
    public record Spend(Budget budget, ActorRef<Long> replyTo) implements Command {}

    public enum Budget { MESSAGE, KEY_LOOKUP }

    /** An ephemeral message (presence, receipts, revocation notices, key exchange) for the live connection only. */
    public record Push(NorcMessage message) implements Command {}

    /** The user entity revoked this device: close its session, refuse it from now on. */
    public enum Revoke implements Command { INSTANCE }

    private record ConnectionGone(ActorRef<ConnectionActor.Command> connection) implements Command {}

    /** Journal the acknowledgements waiting in {@link #pendingAcks}. */
    private enum FlushAcks implements Command { INSTANCE }

    // ---- events ----

    public sealed interface Event extends CborSerializable {}

    public record OwnerClaimed(String userId) implements Event {}

    public record MessageStored(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt) implements Event {}

    /** One message acknowledged; written by earlier versions, still replayed. */
    public record MessageAcknowledged(UUID messageId) implements Event {}

    /** A batch of acknowledged messages, in acknowledgement order. */
    public record MessagesAcknowledged(List<UUID> messageIds) implements Event {}

    public record MessagesExpired(List<UUID> messageIds) implements Event {}

    public record DeviceRevoked(long at) implements Event {}

    // ---- state ----

    /** One stored message. Times in epoch milliseconds. */
    public record StoredMessage(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt)
            implements CborSerializable {}

    /**
     * The inbox in arrival order and the ids already handled (for deduplication, bounded). Mutable,
     * owned by the entity and changed only by the event handler; snapshots take a copy
     * ({@link Snapshot}), so the journal never sees it change under it.
     */
    public static final class State {
        String owner;
        boolean revoked;
        final LinkedHashMap<UUID, StoredMessage> inbox = new LinkedHashMap<>();
        final LinkedHashMap<UUID, Boolean> handled = new LinkedHashMap<>();
        private final int dedupIds;

        State(int dedupIds) {
            this.dedupIds = dedupIds;
        }

        boolean seen(UUID id) {
            return inbox.containsKey(id) || handled.containsKey(id);
        }

        int pending() {
            return inbox.size();
        }

        void forget(UUID id) {
            if (inbox.remove(id) != null && dedupIds > 0) {
                handled.put(id, Boolean.TRUE);
                if (handled.size() > dedupIds) {
                    Iterator<UUID> oldest = handled.keySet().iterator();
                    oldest.next();
                    oldest.remove();
                }
            }
        }
    }

    /** The journal form of {@link State}. */
    public record Snapshot(String owner, boolean revoked, List<StoredMessage> inbox, List<UUID> handled)
            implements CborSerializable {}

    // ---- sharding ----

    public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "DeviceSession");

    /**
     * Registers the entity type. Supervision: a failed journal write restarts this device's entity
     * alone, with backoff, and it recovers its inbox from the journal; its connection re-attaches
     * within {@code attach-refresh}. Other devices and the connection itself are not affected.
     */
    public static void init(ActorSystem<?> system, ServerSettings settings, ServerMetrics metrics) {
        ClusterSharding sharding = ClusterSharding.get(system);
        Devices devices = (device, command) -> sharding.entityRefFor(ENTITY_TYPE_KEY, device.toString()).tell(command);
        sharding.init(Entity.of(ENTITY_TYPE_KEY, context -> create(context.getEntityId(), settings, devices, metrics)));
    }

    /** How a device entity reaches other device entities (receipts to senders): sharding, or a probe in unit tests. */
    public interface Devices {
        void tell(UUID deviceId, Command command);
    }

    public static Behavior<Command> create(String deviceId, ServerSettings settings, Devices devices, ServerMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new DeviceSessionEntity(context, timers, deviceId, settings, devices, metrics)));
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final UUID deviceId;
    private final ServerSettings.Delivery delivery;
    private final Devices devices;
    private final ServerMetrics metrics;
    private final TokenBucket messages;
    private final TokenBucket keyLookups;

    // the live connection and what it has been sent (not persisted: it re-attaches)
    private ActorRef<ConnectionActor.Command> connection;
    private final Set<UUID> inFlight = new HashSet<>();
    private final ArrayDeque<UUID> toSend = new ArrayDeque<>();
    // acknowledged by the device, not yet journalled (not persisted: the device acks again after a redelivery)
    private final LinkedHashMap<UUID, AckStatus> pendingAcks = new LinkedHashMap<>();

    private DeviceSessionEntity(ActorContext<Command> context, TimerScheduler<Command> timers, String deviceId,
                                ServerSettings settings, Devices devices, ServerMetrics metrics) {
        super(PersistenceId.of(ENTITY_TYPE_KEY.name(), deviceId),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.context = context;
        this.timers = timers;
        this.deviceId = UUID.fromString(deviceId);
        this.delivery = settings.delivery();
        this.devices = devices;
        this.metrics = metrics;
        long now = System.nanoTime();
        ServerSettings.Limits limits = settings.limits();
        this.messages = new TokenBucket(limits.messageBurst(), limits.messagesPerMinute(), now);
        this.keyLookups = new TokenBucket(limits.keyLookupBurst(), limits.keyLookupsPerMinute(), now);
    }

    @Override
    public State emptyState() {
        return new State(delivery.dedupIds());
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(delivery.snapshotEvery(), 2);
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new Snapshot(state.owner, state.revoked, List.copyOf(state.inbox.values()),
                        List.copyOf(state.handled.keySet()));
            }

            @Override
            public State fromJournal(Object from) {
                Snapshot snapshot = (Snapshot) from;
                State state = new State(delivery.dedupIds());
                state.owner = snapshot.owner();
                state.revoked = snapshot.revoked();
                snapshot.inbox().forEach(m -> state.inbox.put(m.messageId(), m));
                snapshot.handled().forEach(id -> state.handled.put(id, Boolean.TRUE));
                return state;
            }
        };
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Claim.class, this::onClaim)
                .onCommand(Store.class, this::onStore)
                .onCommand(Attach.class, this::onAttach)
                .onCommand(Detach.class, (state, c) -> onGone(c.connection()))
                .onCommand(ConnectionGone.class, (state, c) -> onGone(c.connection()))
                .onCommand(Acknowledge.class, this::onAcknowledge)
                .onCommand(FlushAcks.class, this::onFlushAcks)
                .onCommand(Spend.class, this::onSpend)
                .onCommand(Push.class, this::onPush)
                .onCommand(Revoke.class, this::onRevoke)
                .build();
    }

    private ReplyEffect<Event, State> onClaim(State state, Claim c) {
        if (state.owner == null) {
            return Effect().persist(new OwnerClaimed(c.userId())).thenReply(c.replyTo(), s -> true);
        }
        return Effect().reply(c.replyTo(), state.owner.equals(c.userId()) && !state.revoked);
    }

    private ReplyEffect<Event, State> onStore(State state, Store c) {
        if (state.revoked) {
            return Effect().reply(c.replyTo(), new StoreReply(deviceId, StoreResult.REVOKED));
        }
        if (state.seen(c.messageId())) {
            return Effect().reply(c.replyTo(), new StoreReply(deviceId, StoreResult.DUPLICATE));
        }
        MessageStored event = new MessageStored(c.messageId(), c.payload(), c.senderDevice(), System.currentTimeMillis(), c.expiresAt());
        return Effect().persist(event)
                .thenRun(s -> {
                    if (connection != null) {
                        toSend.add(c.messageId());
                        fillWindow(s);
                    }
                })
                .thenReply(c.replyTo(), s -> new StoreReply(deviceId, StoreResult.STORED));
    }

    private ReplyEffect<Event, State> onAttach(State state, Attach c) {
        if (state.revoked) {
            c.connection().tell(ConnectionActor.DeviceRevoked.INSTANCE);
            return Effect().noReply();
        }
        if (c.connection().equals(connection)) {
            return Effect().noReply(); // the periodic refresh
        }
        if (connection != null) {
            connection.tell(ConnectionActor.Superseded.INSTANCE);
            context.unwatch(connection);
        }
        connection = c.connection();
        context.watchWith(connection, new ConnectionGone(connection));
        inFlight.clear();
        toSend.clear();
        long now = System.currentTimeMillis();
        List<UUID> expired = new ArrayList<>();
        for (StoredMessage m : state.inbox.values()) {
            if (m.expiresAt() <= now) {
                expired.add(m.messageId());
            } else if (!pendingAcks.containsKey(m.messageId())) {
                toSend.add(m.messageId());
            }
        }
        if (expired.isEmpty()) {
            fillWindow(state);
            return Effect().noReply();
        }
        return Effect().persist(new MessagesExpired(expired)).thenRun(this::fillWindow).thenNoReply();
    }

    private ReplyEffect<Event, State> onGone(ActorRef<ConnectionActor.Command> gone) {
        if (gone.equals(connection)) {
            context.unwatch(connection);
            connection = null;
            inFlight.clear();
            toSend.clear();
        }
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onAcknowledge(State state, Acknowledge c) {
        if (!state.inbox.containsKey(c.messageId()) || pendingAcks.containsKey(c.messageId())) {
            return Effect().noReply(); // acknowledged before, or never stored for this device
        }
        pendingAcks.put(c.messageId(), c.status());
        inFlight.remove(c.messageId());
        fillWindow(state);
        if (pendingAcks.size() >= delivery.inFlight()) {
            return onFlushAcks(state, FlushAcks.INSTANCE);
        }
        if (pendingAcks.size() == 1) {
            timers.startSingleTimer(FlushAcks.INSTANCE, delivery.ackFlushDelay());
        }
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onFlushAcks(State state, FlushAcks c) {
        timers.cancel(FlushAcks.INSTANCE);
        if (pendingAcks.isEmpty()) {
            return Effect().noReply();
        }
        List<Map.Entry<UUID, AckStatus>> batch = List.copyOf(pendingAcks.entrySet());
        pendingAcks.clear();
        List<MessageAck> receipts = new ArrayList<>(batch.size());
        List<UUID> senders = new ArrayList<>(batch.size());
        List<UUID> ids = new ArrayList<>(batch.size());
        for (Map.Entry<UUID, AckStatus> ack : batch) {
            StoredMessage stored = state.inbox.get(ack.getKey());
            if (stored != null) { // not expired or revoked meanwhile
                ids.add(ack.getKey());
                receipts.add(new MessageAck(ack.getKey(), ack.getValue(), Optional.of(deviceId), Optional.empty()));
                senders.add(stored.senderDevice());
            }
        }
        metrics.acksJournalled(ids.size());
        return Effect().persist(new MessagesAcknowledged(ids))
                .thenRun(s -> {
                    for (int i = 0; i < receipts.size(); i++) {
                        devices.tell(senders.get(i), new Push(receipts.get(i)));
                    }
                })
                .thenNoReply();
    }

    private ReplyEffect<Event, State> onSpend(State state, Spend c) {
        TokenBucket bucket = c.budget() == Budget.MESSAGE ? messages : keyLookups;
        return Effect().reply(c.replyTo(), bucket.take(System.nanoTime()));
    }

    private ReplyEffect<Event, State> onPush(State state, Push c) {
        if (connection != null && !state.revoked) {
            connection.tell(new ConnectionActor.Push(c.message()));
        }
        return Effect().noReply();
    }

    private ReplyEffect<Event, State> onRevoke(State state, Revoke c) {
        if (state.revoked) {
            return Effect().noReply();
        }
        return Effect().persist(new DeviceRevoked(System.currentTimeMillis()))
                .thenRun(s -> {
                    if (connection != null) {
                        connection.tell(ConnectionActor.DeviceRevoked.INSTANCE);
                    }
                })
                .thenNoReply();
    }

    /** Sends queued messages to the connection while fewer than {@code in-flight} are unacknowledged. */
    private void fillWindow(State state) {
        while (connection != null && inFlight.size() < delivery.inFlight() && !toSend.isEmpty()) {
            UUID next = toSend.poll();
            StoredMessage stored = state.inbox.get(next);
            if (stored != null && inFlight.add(next)) {
                connection.tell(new ConnectionActor.Deliver(stored.messageId(), stored.payload()));
            }
        }
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(OwnerClaimed.class, (state, e) -> {
                    state.owner = e.userId();
                    return state;
                })
                .onEvent(MessageStored.class, (state, e) -> {
                    state.inbox.put(e.messageId(), new StoredMessage(e.messageId(), e.payload(), e.senderDevice(), e.storedAt(), e.expiresAt()));
                    return state;
                })
                .onEvent(MessageAcknowledged.class, (state, e) -> {
                    state.forget(e.messageId());
                    return state;
                })
                .onEvent(MessagesAcknowledged.class, (state, e) -> {
                    e.messageIds().forEach(state::forget);
                    return state;
                })
                .onEvent(MessagesExpired.class, (state, e) -> {
                    e.messageIds().forEach(state::forget);
                    return state;
                })
                .onEvent(DeviceRevoked.class, (state, e) -> {
                    state.revoked = true;
                    new ArrayList<>(state.inbox.keySet()).forEach(state::forget);
                    return state;
                })
                .build();
    }
}
