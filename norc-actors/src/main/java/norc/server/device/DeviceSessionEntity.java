package norc.server.device;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import norc.persistence.JournalDatabase.Trim;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.console.Restarts;
import norc.server.contract.WireMessage;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceCommand.Acknowledge;
import norc.server.device.api.DeviceCommand.Attach;
import norc.server.device.api.DeviceCommand.Budget;
import norc.server.device.api.DeviceCommand.Claim;
import norc.server.device.api.DeviceCommand.Detach;
import norc.server.device.api.DeviceCommand.Push;
import norc.server.device.api.DeviceCommand.Relay;
import norc.server.device.api.DeviceCommand.Revoke;
import norc.server.device.api.DeviceCommand.Spend;
import norc.server.device.api.DeviceCommand.Store;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceEvent.DeviceRevoked;
import norc.server.device.api.DeviceEvent.InboxDrained;
import norc.server.device.api.DeviceEvent.MessageAcknowledged;
import norc.server.device.api.DeviceEvent.MessageStored;
import norc.server.device.api.DeviceEvent.MessagesAcknowledged;
import norc.server.device.api.DeviceEvent.MessagesExpired;
import norc.server.device.api.DeviceEvent.MessagesUnreadable;
import norc.server.device.api.DeviceEvent.OwnerClaimed;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.DeviceReply.ClaimResult;
import norc.server.device.api.DeviceReply.Spent;
import norc.server.device.api.DeviceReply.StoreReply;
import norc.server.device.api.DeviceReply.StoreResult;
import norc.server.device.api.DeviceRestarted;
import norc.server.device.api.DeviceSnapshot;
import norc.server.device.api.DeviceSnapshot.StoredMessage;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.metrics.ServerMetrics;
import norc.server.storage.MessageBodies;
import norc.server.storage.SealedEvents;
import norc.server.storage.SealedSnapshots;
import norc.server.storage.SharedCiphertext;
import norc.server.storage.StorageSeal;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

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
 * <p>Payloads live in the journal, not here: the state keeps an index entry per inbox message (its
 * {@code MessageStored} event's sequence number and size), snapshots hold that index, and a payload
 * is read back from the journal when it is delivered. Only what arrives for the live connection
 * while the in-flight window is full is kept in memory ({@code hot-payload-bytes}). The inbox has a
 * count and a byte quota. When the inbox has drained, the entity snapshots and asks the node's
 * {@link JournalTrimmer} to delete the journal prefix and the older snapshots, so a delivered
 * message leaves no row behind.
 */
public final class DeviceSessionEntity
        extends EventSourcedBehaviorWithEnforcedReplies<DeviceCommand, DeviceEvent, DeviceSessionEntity.State> {

    // ---- protocol: public in norc.server.device.api; these two never leave the entity ----

    private record ConnectionGone(ActorRef<DeviceOutbound> connection) implements DeviceCommand, NoSerializationVerificationNeeded {}

    /**
     * Sharding's stop message (hand-off to another node, passivation): queued behind any commands
     * stashed during a write, so none is lost, and the waiting acknowledgements are journalled first.
     */
    private enum Stop implements DeviceCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** Journal the acknowledgements waiting in {@link #pendingAcks}. */
    private enum FlushAcks implements DeviceCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** Payloads read back from the journal for the connection: those {@code wanted}, as many as were {@code found}. */
    private record PayloadsRead(Set<UUID> wanted, Map<UUID, byte[]> found, Throwable failure)
            implements DeviceCommand, NoSerializationVerificationNeeded {}

    /** {@code trim-interval} after the inbox drained: snapshot and trim if it is still empty. */
    private enum TrimDue implements DeviceCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** Try the window again after a failed or incomplete read. */
    private enum RetryRead implements DeviceCommand, NoSerializationVerificationNeeded { INSTANCE }

    // ---- state ----

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
        long inboxBytes;
        // the journal sequence number of the last event applied (not in snapshots: recovery sets it)
        long sequenceNr;
        private final int dedupIds;
        private final boolean template;

        private State(int dedupIds, boolean template) {
            this.dedupIds = dedupIds;
            this.template = template;
        }

        State(int dedupIds) {
            this(dedupIds, false);
        }

        /**
         * The empty state Pekko starts every recovery from. Pekko's Java API asks for it once per
         * entity and reuses it after a restart, so it must never change: the event handler applies
         * each event to {@link #started()}. Were it mutated, a restart after a failed write would
         * recover on top of the last incarnation's state, the failed event already applied and
         * every replayed event counted twice (inbox bytes against the quota, a revocation that was
         * never journalled).
         */
        static State template(int dedupIds) {
            return new State(dedupIds, true);
        }

        /** This state, or a fresh one for the template. */
        State started() {
            return template ? new State(dedupIds, false) : this;
        }

        boolean isTemplate() {
            return template;
        }

        boolean seen(UUID id) {
            return inbox.containsKey(id) || handled.containsKey(id);
        }

        int pending() {
            return inbox.size();
        }

        /**
         * Moves to the next event's sequence number. {@code observed} is Pekko's
         * {@code lastSequenceNumber}, exact while replaying but one behind for the first event
         * persisted by a command unstashed at the end of recovery; events are numbered one by one,
         * so the larger of the two is right.
         */
        long advance(long observed) {
            mutable();
            sequenceNr = Math.max(sequenceNr + 1, observed);
            return sequenceNr;
        }

        void add(StoredMessage message) {
            mutable();
            inbox.put(message.messageId(), message);
            inboxBytes += message.size();
        }

        private void mutable() {
            if (template) {
                throw new IllegalStateException("the template state is never changed: apply events to started()");
            }
        }

        /** The journal rows below this sequence number hold no message still in the inbox. */
        long oldestInboxRow() {
            return inbox.isEmpty() ? Long.MAX_VALUE : inbox.values().iterator().next().sequenceNr();
        }

        void forget(UUID id) {
            mutable();
            StoredMessage removed = inbox.remove(id);
            if (removed != null) {
                inboxBytes -= removed.size();
            }
            if (removed != null && dedupIds > 0) {
                handled.put(id, Boolean.TRUE);
                if (handled.size() > dedupIds) {
                    Iterator<UUID> oldest = handled.keySet().iterator();
                    oldest.next();
                    oldest.remove();
                }
            }
        }
    }

    // ---- sharding ----

    /**
     * Registers the entity type. Supervision: a failed journal write restarts this device's entity
     * alone, with backoff, and it recovers its inbox from the journal; its connection re-attaches
     * within {@code attach-refresh}. Other devices and the connection itself are not affected.
     */
    public static void init(ActorSystem<?> system, ShardedEntities entities, ServerSettings settings, ServerMetrics metrics,
                            ActorRef<Topic.Command<DeviceRestarted>> restarts, StorageSeal seal,
                            ActorRef<JournalTrimmer.Command> trimmer, String readJournalId, MessageBodies bodies, Restarts supervision) {
        ClusterSharding sharding = entities.sharding();
        CurrentEventsByPersistenceIdQuery journal = PersistenceQuery.get(system)
                .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalId);
        Devices devices = new Devices() {
            @Override
            public void tell(UUID device, DeviceCommand command) {
                entities.device(device).tell(command);
            }

            @Override
            public void deliveredFromOrigin(String originServer, UUID messageId, UUID device) {
                Outboxes.forMessage(sharding, originServer, messageId).tell(new OutboxCommand.ReportDelivery(messageId, device, true));
            }

            @Override
            public void restarted(UUID device) {
                restarts.tell(Topic.publish(new DeviceRestarted(device)));
            }

            @Override
            public CompletionStage<List<EventEnvelope>> events(String persistenceId, long from, long to) {
                return journal.currentEventsByPersistenceId(persistenceId, from, to).runWith(Sink.seq(), system);
            }

            @Override
            public CompletionStage<Map<String, byte[]>> bodies(Collection<String> keys) {
                return bodies.get(keys);
            }

            @Override
            public void trim(Trim trim) {
                trimmer.tell(new JournalTrimmer.Request(trim));
            }

            @Override
            public void supervisorRestarted(String actorPath) {
                supervision.restarted(actorPath, null);
            }
        };
        sharding.init(Entity.of(DeviceCommand.ENTITY_TYPE_KEY,
                        context -> create(entities.deviceIdOf(context.getEntityId()), settings, devices, metrics, seal))
                .withStopMessage(Stop.INSTANCE));
    }

    /**
     * How a device entity reaches the rest of the cluster: other device entities (receipts to
     * senders) through sharding, and every node's connections through the {@link DeviceRestarted}
     * topic; probes in unit tests.
     */
    public interface Devices {
        void tell(UUID deviceId, DeviceCommand command);

        /** A message relayed from {@code originServer} reached this device: that server hears it in a {@code delivery_ack}. */
        void deliveredFromOrigin(String originServer, UUID messageId, UUID deviceId);

        /** This device's entity recovered: its connection, wherever it is, should attach now. */
        void restarted(UUID deviceId);

        /** The journal rows {@code from..to} of an entity, as stored (sealed), for payloads to deliver. */
        CompletionStage<List<EventEnvelope>> events(String persistenceId, long from, long to);

        /** The shared ciphertexts stored under {@code keys} ({@link MessageBodies}); one not there is absent. */
        CompletionStage<Map<String, byte[]>> bodies(Collection<String> keys);

        /** Delete an entity's journal prefix and older snapshots (the node's {@link JournalTrimmer}). */
        void trim(Trim trim);

        /** This entity's supervisor restarted it (a journal failure): for the console. */
        default void supervisorRestarted(String actorPath) {}
    }

    /** Stored under a pseudonymous persistence id, its events and snapshots sealed ({@link StorageSeal}). */
    public static Behavior<DeviceCommand> create(String deviceId, ServerSettings settings, Devices devices, ServerMetrics metrics,
                                                 StorageSeal seal) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new DeviceSessionEntity(context, timers, deviceId, settings, devices, metrics, seal)));
    }

    private final ActorContext<DeviceCommand> context;
    private final TimerScheduler<DeviceCommand> timers;
    private final UUID deviceId;
    private final ServerSettings.Delivery delivery;
    private final Devices devices;
    private final ServerMetrics metrics;
    private final TokenBucket messages;
    private final TokenBucket messageBytes;
    private final TokenBucket keyLookups;
    private final TokenBucket relays;
    private final StorageSeal seal;
    private final SealedEvents<DeviceEvent> sealedEvents;

    // the live connection and what it has been sent (not persisted: it re-attaches)
    private ActorRef<DeviceOutbound> connection;
    private final Set<UUID> inFlight = new HashSet<>();
    private final ArrayDeque<UUID> toSend = new ArrayDeque<>();
    // acknowledged by the device, not yet journalled (not persisted: the device acks again after a redelivery)
    private final LinkedHashMap<UUID, AckStatus> pendingAcks = new LinkedHashMap<>();
    // payloads in memory for the connection: arrived while it was attached, or read back (bounded by hot-payload-bytes)
    private final HotPayloads payloads = new HotPayloads();
    private boolean reading;
    private boolean readRetryDue;
    private int readFailures;
    // how many reads in a row answered without a message's row (not persisted: counted per incarnation)
    private final Map<UUID, Integer> readMisses = new HashMap<>();
    // this entity's share of norc_inbox_messages
    private int inboxReported;
    private boolean recoveryFailed; // reported by RecoveryFailed already: its PreRestart is not counted again
    // retention: the last snapshot, and the journal prefix already asked to be deleted
    private long lastSnapshotSeq;
    private long trimmedTo;

    private DeviceSessionEntity(ActorContext<DeviceCommand> context, TimerScheduler<DeviceCommand> timers, String deviceId,
                                ServerSettings settings, Devices devices, ServerMetrics metrics, StorageSeal seal) {
        super(seal.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), deviceId),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.seal = seal;
        this.sealedEvents = new SealedEvents<>(seal, context.getSystem(), persistenceId(), DeviceEvent.class);
        this.context = context;
        this.timers = timers;
        this.deviceId = UUID.fromString(deviceId);
        this.delivery = settings.delivery();
        this.devices = devices;
        this.metrics = metrics;
        long now = System.nanoTime();
        ServerSettings.Limits limits = settings.limits();
        this.messages = new TokenBucket(limits.messageBurst(), limits.messagesPerMinute(), now);
        this.messageBytes = new TokenBucket(limits.messageBytesBurst(), limits.messageBytesPerMinute(), now);
        this.keyLookups = new TokenBucket(limits.keyLookupBurst(), limits.keyLookupsPerMinute(), now);
        this.relays = new TokenBucket(limits.relayBurst(), limits.relaysPerMinute(), now);
    }

    @Override
    public State emptyState() {
        return State.template(delivery.dedupIds());
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(delivery.snapshotEvery(), 2);
    }

    @Override
    public EventAdapter<DeviceEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SealedSnapshots<>(seal, context.getSystem(), persistenceId(), new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new DeviceSnapshot(state.owner, state.revoked, List.copyOf(state.inbox.values()),
                        List.copyOf(state.handled.keySet()));
            }

            @Override
            public State fromJournal(Object from) {
                DeviceSnapshot snapshot = (DeviceSnapshot) from;
                State state = new State(delivery.dedupIds());
                state.owner = snapshot.owner();
                state.revoked = snapshot.revoked();
                snapshot.inbox().forEach(state::add);
                snapshot.handled().forEach(id -> state.handled.put(id, Boolean.TRUE));
                return state;
            }
        });
    }

    /**
     * Besides every {@code snapshot-every} events, retention's snapshots, after which the journal
     * prefix goes ({@link #onSnapshot}): when the inbox is empty and {@code trim-every} events
     * passed since the last snapshot, or at an {@link InboxDrained} event. That one is written
     * {@code trim-interval} after the inbox drained with fewer events ({@link TrimDue}), so that a
     * quiet device's delivered messages do not stay until its next traffic.
     */
    @Override
    public boolean shouldSnapshot(State state, DeviceEvent event, long sequenceNr) {
        if (!state.inbox.isEmpty() || sequenceNr <= lastSnapshotSeq) {
            return false;
        }
        if (event instanceof InboxDrained || sequenceNr - lastSnapshotSeq >= delivery.trimEvery()) {
            return true;
        }
        boolean drained = event instanceof MessagesAcknowledged || event instanceof MessageAcknowledged
                || event instanceof MessagesExpired || event instanceof MessagesUnreadable || event instanceof DeviceRevoked;
        if (drained && !timers.isTimerActive(TrimDue.INSTANCE)) {
            timers.startSingleTimer(TrimDue.INSTANCE, delivery.trimInterval());
        }
        return false;
    }

    private ReplyEffect<DeviceEvent, State> onTrimDue(State state, TrimDue c) {
        if (!state.inbox.isEmpty() || state.sequenceNr <= lastSnapshotSeq) {
            return Effect().noReply(); // traffic came back: retention waits for the inbox to drain again
        }
        return Effect().persist(new InboxDrained(System.currentTimeMillis())).thenNoReply();
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                .onSignal(SnapshotCompleted.class, this::onSnapshot)
                .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class, (state, failed) -> { // the journal is away
                    recoveryFailed = true;
                    devices.supervisorRestarted(context.getSelf().path().toStringWithoutAddress());
                })
                .onSignal(org.apache.pekko.actor.typed.PreRestart.instance(), state -> { // a write failed (or the recovery, above)
                    if (!recoveryFailed) {
                        devices.supervisorRestarted(context.getSelf().path().toStringWithoutAddress());
                    }
                    recoveryFailed = false;
                })
                .onSignal(org.apache.pekko.actor.typed.PostStop.instance(), state -> { // passivated, handed off, or failed
                    metrics.inboxMessages(-inboxReported);
                    inboxReported = 0;
                })
                .build();
    }

    /**
     * A snapshot at {@code S} holds the whole state, so the journal rows below the oldest message
     * still in the inbox, up to {@code S - 1}, can go, and the snapshots before {@code S}. Row
     * {@code S} stays: the journal's highest sequence number must survive (it is an ack or a
     * claim, never a payload once the inbox is empty). Only ever a prefix.
     */
    private void onSnapshot(State state, SnapshotCompleted completed) {
        long at = completed.metadata().sequenceNr();
        lastSnapshotSeq = Math.max(lastSnapshotSeq, at);
        long upTo = Math.min(at - 1, state.oldestInboxRow() - 1);
        if (upTo > trimmedTo) {
            trimmedTo = upTo;
            devices.trim(new Trim(persistenceId().id(), upTo, at));
        }
    }

    /**
     * After recovery: the first start, or a restart after a journal failure. Such a restart keeps
     * this object (only the event-sourced part starts again), so what was sent to the connection
     * and what was waiting is forgotten here: a write that failed may still have committed (a
     * database that hung), and the message it held must be delivered before later ones. A
     * connection still attached gets the whole inbox again (it drops what it has by message id);
     * connections elsewhere hear of the restart through {@link DeviceRestarted}.
     */
    private void onRecovered(State state) {
        reportInbox(state); // recovered from a snapshot alone, no event applied
        timers.cancel(FlushAcks.INSTANCE);
        pendingAcks.clear(); // the device acknowledges again after the redelivery
        inFlight.clear();
        toSend.clear();
        payloads.clear();
        if (!state.isTemplate()) { // the template: nothing journalled (our trims always keep a snapshot), sequence 0
            state.sequenceNr = lastSequenceNumber(context);
        }
        lastSnapshotSeq = lastSequenceNumber(context);
        reading = false;
        readRetryDue = false;
        timers.cancel(RetryRead.INSTANCE);
        readMisses.clear();
        if (connection != null) {
            queueInbox(state, System.currentTimeMillis());
            fillWindow(state);
        }
        if (state.owner != null && !state.revoked) {
            devices.restarted(deviceId); // also on a first start after passivation: cheap, and harmless
        }
    }

    /** Queues every stored message that has not expired, in inbox order; returns the expired ones. */
    private List<UUID> queueInbox(State state, long now) {
        List<UUID> expired = new ArrayList<>();
        for (StoredMessage m : state.inbox.values()) {
            if (m.expiresAt() <= now) {
                expired.add(m.messageId());
            } else if (!pendingAcks.containsKey(m.messageId())) {
                toSend.add(m.messageId());
            }
        }
        return expired;
    }

    @Override
    public CommandHandlerWithReply<DeviceCommand, DeviceEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Claim.class, this::onClaim)
                .onCommand(Store.class, this::onStore)
                .onCommand(DeviceCommand.StoreAll.class, this::onStoreAll)
                .onCommand(DeviceCommand.Owner.class, (state, c) -> Effect().reply(c.replyTo(),
                        new DeviceReply.OwnedBy(deviceId, state.owner, state.revoked)))
                .onCommand(Attach.class, this::onAttach)
                .onCommand(Detach.class, (state, c) -> onGone(c.connection()))
                .onCommand(ConnectionGone.class, (state, c) -> onGone(c.connection()))
                .onCommand(Acknowledge.class, this::onAcknowledge)
                .onCommand(FlushAcks.class, this::onFlushAcks)
                .onCommand(Spend.class, this::onSpend)
                .onCommand(Push.class, this::onPush)
                .onCommand(Relay.class, this::onRelay)
                .onCommand(Revoke.class, this::onRevoke)
                .onCommand(DeviceCommand.ConfirmRevoke.class, this::onConfirmRevoke)
                .onCommand(DeviceCommand.Disconnect.class, this::onDisconnect)
                .onCommand(Stop.class, this::onStop)
                .onCommand(PayloadsRead.class, this::onPayloadsRead)
                .onCommand(TrimDue.class, this::onTrimDue)
                .onCommand(RetryRead.class, (state, c) -> {
                    readRetryDue = false;
                    fillWindow(state);
                    return Effect().noReply();
                })
                .build();
    }

    private ReplyEffect<DeviceEvent, State> onClaim(State state, Claim c) {
        if (state.owner == null) {
            return Effect().persist(new OwnerClaimed(c.userId())).thenReply(c.replyTo(), s -> ClaimResult.CLAIMED);
        }
        if (state.revoked) {
            return Effect().reply(c.replyTo(), ClaimResult.REVOKED);
        }
        return Effect().reply(c.replyTo(), state.owner.equals(c.userId()) ? ClaimResult.ALREADY_OWNED : ClaimResult.TAKEN);
    }

    private ReplyEffect<DeviceEvent, State> onStore(State state, Store c) {
        StoreResult refused = refusal(state, c, state.inbox.size(), state.inboxBytes);
        if (refused != null) {
            return Effect().reply(c.replyTo(), new StoreReply(deviceId, refused, c.messageId()));
        }
        long started = System.nanoTime();
        return Effect().persist(stored(c))
                .thenRun(s -> {
                    metrics.journalCommitted(started);
                    keepForConnection(c);
                    fillWindow(s);
                })
                .thenReply(c.replyTo(), s -> new StoreReply(deviceId, StoreResult.STORED, c.messageId()));
    }

    /** {@link #onStore} for each entry in turn, the stored ones in one journal write, each answered on its own. */
    private ReplyEffect<DeviceEvent, State> onStoreAll(State state, DeviceCommand.StoreAll c) {
        List<Store> kept = new ArrayList<>();
        List<DeviceEvent> events = new ArrayList<>();
        Set<UUID> ids = new HashSet<>();
        int count = state.inbox.size();
        long bytes = state.inboxBytes;
        for (Store entry : c.entries()) {
            StoreResult refused = ids.add(entry.messageId()) ? refusal(state, entry, count, bytes) : StoreResult.DUPLICATE;
            if (refused != null) {
                entry.replyTo().tell(new StoreReply(deviceId, refused, entry.messageId()));
                continue;
            }
            count++;
            bytes += entry.size();
            kept.add(entry);
            events.add(stored(entry));
        }
        if (events.isEmpty()) {
            return Effect().noReply();
        }
        long started = System.nanoTime();
        return Effect().persist(events)
                .thenRun(s -> {
                    metrics.journalCommitted(started);
                    kept.forEach(this::keepForConnection);
                    fillWindow(s);
                    kept.forEach(entry -> entry.replyTo().tell(new StoreReply(deviceId, StoreResult.STORED, entry.messageId())));
                })
                .thenNoReply();
    }

    /** Why {@code c} is not stored, given the inbox's {@code count} and {@code bytes} so far, or null: it is. */
    private StoreResult refusal(State state, Store c, int count, long bytes) {
        if (state.revoked) {
            return StoreResult.REVOKED;
        }
        if (state.seen(c.messageId())) {
            return StoreResult.DUPLICATE;
        }
        if (count >= delivery.maxInboxMessages() || bytes + c.size() > delivery.maxInboxBytes()) {
            metrics.inboxFull();
            return StoreResult.INBOX_FULL;
        }
        return null;
    }

    private static MessageStored stored(Store c) {
        return new MessageStored(c.messageId(), c.payload(), c.senderDevice(), System.currentTimeMillis(), c.expiresAt(),
                c.originServer(), c.type(), c.bodyKey(), c.bodyAt(), c.body() == null ? 0 : c.body().length);
    }

    /** A stored entry queued for the live connection, its payload kept at hand while the hot budget allows. */
    private void keepForConnection(Store c) {
        if (connection == null) {
            return;
        }
        toSend.add(c.messageId());
        if (payloads.bytes() + c.size() <= delivery.hotPayloadBytes() && (c.bodyKey() == null || c.body() != null)) {
            payloads.keep(c.messageId(), c.bodyKey() == null ? c.payload() : SharedCiphertext.splice(c.payload(), c.bodyAt(), c.body()));
        }
    }

    private ReplyEffect<DeviceEvent, State> onAttach(State state, Attach c) {
        if (state.revoked) {
            c.connection().tell(DeviceOutbound.Revoked.INSTANCE);
            return Effect().noReply();
        }
        if (c.connection().equals(connection)) {
            return Effect().noReply(); // the periodic refresh
        }
        if (connection != null) {
            connection.tell(DeviceOutbound.Superseded.INSTANCE);
            context.unwatch(connection);
        }
        connection = c.connection();
        context.watchWith(connection, new ConnectionGone(connection));
        inFlight.clear();
        toSend.clear();
        payloads.clear();
        List<UUID> expired = queueInbox(state, System.currentTimeMillis());
        if (expired.isEmpty()) {
            fillWindow(state);
            return Effect().noReply();
        }
        return Effect().persist(new MessagesExpired(expired)).thenRun(this::fillWindow).thenNoReply();
    }

    private ReplyEffect<DeviceEvent, State> onGone(ActorRef<DeviceOutbound> gone) {
        if (gone.equals(connection)) {
            context.unwatch(connection);
            connection = null;
            inFlight.clear();
            toSend.clear();
            payloads.clear();
        }
        return Effect().noReply();
    }

    private ReplyEffect<DeviceEvent, State> onAcknowledge(State state, Acknowledge c) {
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

    private ReplyEffect<DeviceEvent, State> onFlushAcks(State state, FlushAcks c) {
        timers.cancel(FlushAcks.INSTANCE);
        if (pendingAcks.isEmpty()) {
            return Effect().noReply();
        }
        Batch batch = takeAcks(state);
        return Effect().persist(new MessagesAcknowledged(batch.ids())).thenRun(s -> batch.sendReceipts()).thenNoReply();
    }

    /** The waiting acknowledgements of messages still in the inbox, and their senders' receipts (sent after the commit). */
    private record Batch(List<UUID> ids, List<StoredMessage> messages, List<MessageAck> receipts, UUID deviceId, Devices devices) {
        void sendReceipts() {
            for (int i = 0; i < receipts.size(); i++) {
                StoredMessage m = messages.get(i);
                if (m.senderDevice() == null) {
                    continue; // the server's own entry (a membership_update): its acknowledgement goes to nobody
                }
                if (m.originServer() == null) {
                    devices.tell(m.senderDevice(), new Push(WireMessage.of(receipts.get(i))));
                } else { // relayed from another server: it tells its sender (read counts as delivered)
                    devices.deliveredFromOrigin(m.originServer(), m.messageId(), deviceId);
                }
            }
        }
    }

    private Batch takeAcks(State state) {
        List<UUID> ids = new ArrayList<>(pendingAcks.size());
        List<StoredMessage> messages = new ArrayList<>(pendingAcks.size());
        List<MessageAck> receipts = new ArrayList<>(pendingAcks.size());
        pendingAcks.forEach((id, status) -> {
            StoredMessage stored = state.inbox.get(id);
            if (stored != null) { // not expired or revoked meanwhile
                ids.add(id);
                messages.add(stored);
                receipts.add(new MessageAck(id, status, Optional.of(deviceId), Optional.empty()));
            }
        });
        pendingAcks.clear();
        metrics.acksJournalled(ids.size());
        return new Batch(ids, messages, receipts, deviceId, devices);
    }

    private ReplyEffect<DeviceEvent, State> onStop(State state, Stop c) {
        timers.cancel(FlushAcks.INSTANCE);
        if (pendingAcks.isEmpty()) {
            return Effect().stop().thenNoReply();
        }
        Batch batch = takeAcks(state);
        return Effect().persist(new MessagesAcknowledged(batch.ids())).thenRun(s -> batch.sendReceipts()).thenStop().thenNoReply();
    }

    private ReplyEffect<DeviceEvent, State> onSpend(State state, Spend c) {
        long now = System.nanoTime();
        if (c.budget() == Budget.KEY_LOOKUP) {
            return Effect().reply(c.replyTo(), new Spent(keyLookups.take(now)));
        }
        long wait = Math.max(messages.shortfall(1, now), messageBytes.shortfall(c.bytes(), now));
        if (wait == 0) {
            messages.spend(1);
            messageBytes.spend(c.bytes());
        }
        return Effect().reply(c.replyTo(), new Spent(wait));
    }

    private ReplyEffect<DeviceEvent, State> onPush(State state, Push c) {
        if (connection != null && !state.revoked) {
            connection.tell(new DeviceOutbound.Ephemeral(c.message()));
        }
        return Effect().noReply();
    }

    /** Another user's ephemeral message: only to a real device's connection, within its relay budget. */
    private ReplyEffect<DeviceEvent, State> onRelay(State state, Relay c) {
        if (connection != null && state.owner != null && !state.revoked) {
            if (relays.take(System.nanoTime()) == 0) {
                connection.tell(new DeviceOutbound.Ephemeral(c.message()));
            } else {
                metrics.relayDropped();
            }
        }
        return Effect().noReply();
    }

    private ReplyEffect<DeviceEvent, State> onConfirmRevoke(State state, DeviceCommand.ConfirmRevoke c) {
        return state.revoked ? Effect().reply(c.replyTo(), DeviceReply.RevokeConfirmed.INSTANCE)
                : revoked().thenReply(c.replyTo(), s -> DeviceReply.RevokeConfirmed.INSTANCE);
    }

    /** An operator closes the live session (it may reconnect); the connection closes itself on {@code Superseded}. */
    private ReplyEffect<DeviceEvent, State> onDisconnect(State state, DeviceCommand.Disconnect c) {
        boolean hadSession = connection != null;
        if (hadSession) {
            connection.tell(DeviceOutbound.Superseded.INSTANCE);
        }
        return Effect().reply(c.replyTo(), new DeviceReply.Disconnected(hadSession));
    }

    private ReplyEffect<DeviceEvent, State> onRevoke(State state, Revoke c) {
        return state.revoked ? Effect().noReply() : revoked().thenNoReply();
    }

    /** Journals the revocation, then closes the live session with {@code 1003}. */
    private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<DeviceEvent, State> revoked() {
        return Effect().persist(new DeviceRevoked(System.currentTimeMillis()))
                .thenRun(s -> {
                    if (connection != null) {
                        connection.tell(DeviceOutbound.Revoked.INSTANCE);
                    }
                });
    }

    /**
     * Sends queued messages to the connection, in inbox order, while fewer than {@code in-flight}
     * are unacknowledged. A message whose payload is not in memory stops the loop and starts one
     * read of the journal for the next ones; the loop resumes when they arrive.
     */
    private void fillWindow(State state) {
        while (connection != null && inFlight.size() < delivery.inFlight() && !toSend.isEmpty()) {
            UUID next = toSend.peek();
            StoredMessage stored = state.inbox.get(next);
            if (stored == null || inFlight.contains(next)) {
                toSend.poll();
                continue;
            }
            byte[] payload = stored.payload() != null ? stored.payload() : payloads.take(next);
            if (payload == null) {
                readPayloads(state);
                return;
            }
            toSend.poll();
            inFlight.add(next);
            connection.tell(new DeviceOutbound.Deliver(stored.messageId(), payload, stored.type()));
        }
    }

    /**
     * Reads the journal rows of the next queued messages whose payloads are not in memory: as many
     * as {@code in-flight} allows and {@code hot-payload-bytes} holds (at least one), in one query.
     */
    private void readPayloads(State state) {
        if (reading || readRetryDue) {
            return;
        }
        Set<UUID> wanted = new HashSet<>();
        long from = Long.MAX_VALUE;
        long to = 0;
        long bytes = payloads.bytes();
        for (UUID id : toSend) {
            StoredMessage stored = state.inbox.get(id);
            if (stored == null || stored.payload() != null || payloads.holds(id)) {
                continue;
            }
            if (!wanted.isEmpty() && (wanted.size() >= delivery.inFlight() || bytes + stored.size() > delivery.hotPayloadBytes())) {
                break;
            }
            wanted.add(id);
            bytes += stored.size();
            from = Math.min(from, stored.sequenceNr());
            to = Math.max(to, stored.sequenceNr());
        }
        if (wanted.isEmpty()) {
            return;
        }
        reading = true;
        metrics.payloadsRead(wanted.size());
        context.pipeToSelf(devices.events(persistenceId().id(), from, to).thenCompose(rows -> {
            Map<UUID, byte[]> found = new HashMap<>();
            Map<String, MessageStored> shared = new HashMap<>();
            for (EventEnvelope row : rows) {
                DeviceEvent event = sealedEvents.fromJournal(row.event(), "").events().head();
                if (event instanceof MessageStored m && wanted.contains(m.messageId())) {
                    if (m.bodyKey() == null) {
                        found.put(m.messageId(), m.payload());
                    } else {
                        shared.put(m.bodyKey(), m);
                    }
                }
            }
            // a group message's ciphertext, stored once for all its copies; one missing counts as a missing row
            return devices.bodies(shared.keySet()).thenApply(bodies -> {
                bodies.forEach((key, body) -> {
                    MessageStored m = shared.get(key);
                    found.put(m.messageId(), SharedCiphertext.splice(m.payload(), m.bodyAt(), body));
                });
                return found;
            });
        }), (found, failure) -> failure != null ? new PayloadsRead(wanted, Map.of(), failure) : new PayloadsRead(wanted, found, null));
    }

    /**
     * A journal that failed is asked again, backing off, for as long as it takes. Rows it answered
     * without are asked for again too, and a message whose row was missing
     * {@code payload-read-attempts} times in a row leaves the inbox ({@link MessagesUnreadable}),
     * so that one lost row does not hold back every message behind it. Found payloads are kept
     * and delivered in inbox order, behind any still missing.
     */
    private ReplyEffect<DeviceEvent, State> onPayloadsRead(State state, PayloadsRead read) {
        reading = false;
        if (read.failure() != null) {
            Duration wait = readBackoff(++readFailures);
            context.getLog().warn("reading undelivered payloads from the journal failed, retrying in {}: {}", wait,
                    read.failure().toString());
            retryReadIn(wait);
            return Effect().noReply();
        }
        readFailures = 0;
        read.found().keySet().forEach(readMisses::remove);
        readMisses.keySet().removeIf(id -> !state.inbox.containsKey(id)); // acknowledged or expired since
        List<UUID> gone = new ArrayList<>();
        int misses = 0;
        for (UUID id : read.wanted()) {
            if (read.found().containsKey(id) || !state.inbox.containsKey(id)) {
                continue;
            }
            int miss = readMisses.merge(id, 1, Integer::sum);
            misses = Math.max(misses, miss);
            if (miss >= delivery.payloadReadAttempts()) {
                gone.add(id);
            }
        }
        if (connection != null) {
            read.found().forEach((id, payload) -> {
                if (state.inbox.containsKey(id) && !inFlight.contains(id)) {
                    payloads.keep(id, payload);
                }
            });
        }
        if (!gone.isEmpty()) {
            gone.forEach(readMisses::remove);
            metrics.payloadsUnreadable(gone.size());
            context.getLog().warn("dropping {} undelivered messages: the journal answered {} reads in a row without their rows",
                    gone.size(), delivery.payloadReadAttempts());
            return Effect().persist(new MessagesUnreadable(List.copyOf(gone))).thenRun(this::fillWindow).thenNoReply();
        }
        if (misses > 0) {
            Duration wait = readBackoff(misses);
            context.getLog().warn("the journal answered without the rows of undelivered messages (read {} of {}), reading again in {}",
                    misses, delivery.payloadReadAttempts(), wait);
            retryReadIn(wait);
        }
        fillWindow(state);
        return Effect().noReply();
    }

    /** {@code payload-read-retry}, doubled for each attempt after the first, at most a minute. */
    private Duration readBackoff(int attempt) {
        long millis = delivery.payloadReadRetry().toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(millis, Duration.ofMinutes(1).toMillis()));
    }

    private void retryReadIn(Duration wait) {
        readRetryDue = true;
        timers.startSingleTimer(RetryRead.INSTANCE, wait);
    }

    /** Keeps this entity's share of {@code norc_inbox_messages} equal to its inbox (replay and restarts included). */
    private void reportInbox(State state) {
        int now = state.inbox.size();
        if (now != inboxReported) {
            metrics.inboxMessages(now - inboxReported);
            inboxReported = now;
        }
    }

    @Override
    public EventHandler<State, DeviceEvent> eventHandler() {
        EventHandler<State, DeviceEvent> events = newEventHandlerBuilder().forAnyState()
                .onEvent(OwnerClaimed.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    state.owner = e.userId();
                    return state;
                })
                .onEvent(MessageStored.class, (current, e) -> {
                    State state = current.started(); // the payload stays in the journal row
                    state.add(new StoredMessage(e.messageId(), null, e.senderDevice(), e.storedAt(), e.expiresAt(),
                            e.originServer(), state.advance(lastSequenceNumber(context)), e.payload().length + e.bodySize(), e.type()));
                    return state;
                })
                .onEvent(MessageAcknowledged.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    state.forget(e.messageId());
                    return state;
                })
                .onEvent(MessagesAcknowledged.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    e.messageIds().forEach(state::forget);
                    return state;
                })
                .onEvent(MessagesExpired.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    e.messageIds().forEach(state::forget);
                    return state;
                })
                .onEvent(MessagesUnreadable.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    e.messageIds().forEach(state::forget);
                    return state;
                })
                .onEvent(InboxDrained.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    return state;
                })
                .onEvent(DeviceRevoked.class, (current, e) -> {
                    State state = current.started();
                    state.advance(lastSequenceNumber(context));
                    state.revoked = true;
                    new ArrayList<>(state.inbox.keySet()).forEach(state::forget);
                    return state;
                })
                .build();
        return (state, event) -> {
            State next = events.apply(state, event);
            reportInbox(next);
            return next;
        };
    }
}
