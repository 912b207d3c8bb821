package norc.server.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.server.ShardedEntities;
import norc.server.contract.WireMessage;
import norc.server.device.api.DeviceCommand;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.OutboxEvent;
import norc.server.federation.api.OutboxEvent.AckQueued;
import norc.server.federation.api.OutboxEvent.AckSent;
import norc.server.federation.api.OutboxEvent.DeliveriesReported;
import norc.server.federation.api.OutboxEvent.RelayAccepted;
import norc.server.federation.api.OutboxEvent.RelayFailed;
import norc.server.federation.api.OutboxEvent.RelayQueued;
import norc.server.federation.api.OutboxReply;
import norc.server.federation.api.Outboxes;
import norc.server.federation.api.OutboxSnapshot;
import norc.server.federation.api.OutboxSnapshot.Awaiting;
import norc.server.federation.api.RelayEntry;
import norc.server.storage.SealedEvents;
import norc.server.storage.SealedSnapshots;
import norc.server.metrics.ServerMetrics;
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
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Everything this server must send one peer, durably (sharded by the peer's {@code server_id} and
 * a bucket of conversations, {@link Outboxes}: a fixed set per peer in the whole cluster;
 * event-sourced; federation profile §5.3, §5.4):
 * <ul>
 * <li><b>relays</b> of local senders' messages, journalled before the sender hears {@code accepted};
 *     one in flight per conversation (the next waits for the previous one's final outcome, so the
 *     peer's inboxes follow the end-to-end chain), other conversations pipelined; transient failures
 *     retried after {@code min(300 s, 2^(k−1) s) × U[0.5, 1)}, never before {@code retry_after};
 *     given up at {@code expires_at} ({@code 5010}) or on a permanent code, each target device
 *     reported {@code failed} to the sender; after the peer's 200, kept until its
 *     {@code delivery_ack} names each device, which the sender hears as {@code delivered};</li>
 * <li><b>delivery acks</b> for relays the peer sent here: device outcomes of one message within
 *     100 ms share one {@code delivery_ack}, journalled, then sent and retried until answered.</li>
 * </ul>
 * Requests travel over the peer's {@link PeerLink}, one per peer in the cluster, wherever this outbox lives.
 */
public final class PeerOutbox
        extends EventSourcedBehaviorWithEnforcedReplies<OutboxCommand, OutboxEvent, PeerOutbox.State> {

    // ---- private protocol: never leaves this entity's node ----

    private record Attempted(UUID messageId, LinkReply result) implements OutboxCommand, NoSerializationVerificationNeeded {}

    private record AckAttempted(UUID messageId, AckQueued sent, LinkReply result) implements OutboxCommand, NoSerializationVerificationNeeded {}

    private record RetryDue(UUID messageId) implements OutboxCommand, NoSerializationVerificationNeeded {}

    private enum FlushReports implements OutboxCommand, NoSerializationVerificationNeeded { INSTANCE }

    private enum Stop implements OutboxCommand, NoSerializationVerificationNeeded { INSTANCE }

    static final Duration REPORT_DELAY = Duration.ofMillis(100);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(75);
    private static final Set<ErrorCode> TRANSIENT = Set.of(ErrorCode.STALE_TIMESTAMP, ErrorCode.IDENTITY_MISMATCH,
            ErrorCode.LINK_REQUIRED, ErrorCode.STALE_SEQUENCE, ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE);

    // ---- state ----

    /** Mutable, changed only by the event handler; snapshots copy it. */
    public static final class State {
        final LinkedHashMap<UUID, RelayEntry> queued = new LinkedHashMap<>();
        final LinkedHashMap<UUID, Awaiting> awaiting = new LinkedHashMap<>();
        final LinkedHashMap<UUID, AckQueued> acks = new LinkedHashMap<>();
    }

    // ---- sharding ----

    /**
     * Registers the entity type.
     * Supervision: a failed write restarts this outbox alone, with backoff, recovering its queue.
     */
    public static void init(ActorSystem<?> system, StorageSeal seal, ServerMetrics metrics) {
        ClusterSharding sharding = ClusterSharding.get(system);
        sharding.init(Entity.of(OutboxCommand.ENTITY_TYPE_KEY, context -> Behaviors.<OutboxCommand>setup(ctx ->
                        Behaviors.withTimers(timers -> new PeerOutbox(ctx, timers, context.getEntityId(), sharding, seal, metrics))))
                .withStopMessage(Stop.INSTANCE));
    }

    private final ActorContext<OutboxCommand> context;
    private final TimerScheduler<OutboxCommand> timers;
    private final String peer;
    private final ClusterSharding sharding;
    private final Random random = new Random();
    private final StorageSeal seal;
    private final SealedEvents<OutboxEvent> sealedEvents;
    /**
     * The empty state Pekko starts every recovery from: its Java API asks for it once per entity
     * and reuses it after a restart, so it is never changed; the event handler applies the first
     * event to a fresh copy (else a restart after a failed write would recover on top of the failed
     * incarnation's state, the failed event applied).
     */
    private final State template = new State();
    // this outbox's share of norc_federation_queued
    private final ServerMetrics metrics;
    private int queuedReported;

    // what is being attempted (not persisted: after a restart everything queued is attempted again)
    private final Set<UUID> inFlight = new HashSet<>();
    private final Set<UUID> waitingRetry = new HashSet<>();
    private final Map<UUID, Integer> failures = new HashMap<>();
    private final Map<UUID, Report> reports = new LinkedHashMap<>();

    /** Device outcomes of one received relay, collected for {@link #REPORT_DELAY}. */
    private record Report(Set<UUID> delivered, Set<UUID> failed) {}

    /**
     * {@code entityId}: {@code <peer>#<bucket>} ({@link Outboxes}), also its persistence id (it names
     * servers, not users); the events and snapshots, which carry relays and their recipients, are sealed.
     */
    private PeerOutbox(ActorContext<OutboxCommand> context, TimerScheduler<OutboxCommand> timers, String entityId,
                       ClusterSharding sharding, StorageSeal seal, ServerMetrics metrics) {
        super(PersistenceId.of(OutboxCommand.ENTITY_TYPE_KEY.name(), entityId),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.seal = seal;
        this.sealedEvents = new SealedEvents<>(seal, context.getSystem(), persistenceId(), OutboxEvent.class);
        this.context = context;
        this.timers = timers;
        this.peer = Outboxes.peerOf(entityId);
        this.sharding = sharding;
        this.metrics = metrics;
    }

    @Override
    public State emptyState() {
        return template;
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(200, 2);
    }

    @Override
    public EventAdapter<OutboxEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SealedSnapshots<>(seal, context.getSystem(), persistenceId(), new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new OutboxSnapshot(List.copyOf(state.queued.values()), List.copyOf(state.awaiting.values()),
                        List.copyOf(state.acks.values()));
            }

            @Override
            public State fromJournal(Object from) {
                OutboxSnapshot snapshot = (OutboxSnapshot) from;
                State state = new State();
                snapshot.queued().forEach(e -> state.queued.put(e.messageId(), e));
                snapshot.awaiting().forEach(a -> state.awaiting.put(a.messageId(), a));
                snapshot.acks().forEach(a -> state.acks.put(a.messageId(), a));
                return state;
            }
        });
    }

    /** Keeps this outbox's share of {@code norc_federation_queued} equal to its queue. */
    private void reportQueued(State state) {
        int now = state.queued.size();
        if (now != queuedReported) {
            metrics.federationQueued(now - queuedReported);
            queuedReported = now;
        }
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(org.apache.pekko.actor.typed.PostStop.instance(), state -> { // passivated or handed off
                    metrics.federationQueued(-queuedReported);
                    queuedReported = 0;
                })
                .onSignal(RecoveryCompleted.instance(), state -> {
                    reportQueued(state); // recovered from a snapshot alone, no event applied
                    inFlight.clear();
                    waitingRetry.clear();
                    pump(state);
                })
                .build();
    }

    @Override
    public CommandHandlerWithReply<OutboxCommand, OutboxEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(OutboxCommand.Enqueue.class, this::onEnqueue)
                .onCommand(OutboxCommand.Wake.class, (state, c) -> {
                    pump(state);
                    return Effect().noReply();
                })
                .onCommand(Attempted.class, this::onAttempted)
                .onCommand(RetryDue.class, (state, c) -> {
                    waitingRetry.remove(c.messageId());
                    pump(state);
                    return Effect().noReply();
                })
                .onCommand(OutboxCommand.DeliveryReported.class, this::onDeliveryReported)
                .onCommand(OutboxCommand.ReportDelivery.class, this::onReportDelivery)
                .onCommand(FlushReports.class, this::onFlushReports)
                .onCommand(AckAttempted.class, this::onAckAttempted)
                .onCommand(OutboxCommand.FailAll.class, this::onFailAll)
                .onCommand(Stop.class, (state, c) -> Effect().stop().thenNoReply())
                .build();
    }

    // ---- relays ----

    private ReplyEffect<OutboxEvent, State> onEnqueue(State state, OutboxCommand.Enqueue c) {
        UUID id = c.entry().messageId();
        if (state.queued.containsKey(id) || state.awaiting.containsKey(id)) {
            return Effect().reply(c.replyTo(), new OutboxReply.Queued(id)); // a resent message_send
        }
        return Effect().persist(new RelayQueued(c.entry()))
                .thenRun(this::pump)
                .thenReply(c.replyTo(), s -> new OutboxReply.Queued(id));
    }

    /** Sends the head relay of each conversation that is not in flight or waiting to be retried; gives up expired ones. */
    private void pump(State state) {
        long nowSeconds = System.currentTimeMillis() / 1000;
        Set<UUID> conversations = new HashSet<>();
        List<RelayEntry> expired = new ArrayList<>();
        for (RelayEntry entry : state.queued.values()) {
            if (!conversations.add(entry.conversationId())) {
                continue; // an earlier message of this conversation is not final yet
            }
            if (inFlight.contains(entry.messageId()) || waitingRetry.contains(entry.messageId())) {
                continue;
            }
            if (entry.expiresAt() <= nowSeconds) {
                expired.add(entry);
                continue;
            }
            attempt(entry);
        }
        for (RelayEntry entry : expired) {
            context.getSelf().tell(new Attempted(entry.messageId(), LinkReply.Unreachable.of(ErrorCode.PEER_UNREACHABLE, 0)));
        }
        for (AckQueued ack : state.acks.values()) {
            if (!inFlight.contains(ack.messageId()) && !waitingRetry.contains(ack.messageId())) {
                attemptAck(ack);
            }
        }
    }

    private void attempt(RelayEntry entry) {
        inFlight.add(entry.messageId());
        context.ask(LinkReply.class, LinkCommand.to(sharding, peer), ASK_TIMEOUT,
                replyTo -> new LinkCommand.Send(new LinkCommand.Relay(entry), replyTo),
                (result, error) -> new Attempted(entry.messageId(),
                        result != null ? result : LinkReply.Unreachable.of(ErrorCode.UNAVAILABLE, 1)));
    }

    private ReplyEffect<OutboxEvent, State> onAttempted(State state, Attempted c) {
        inFlight.remove(c.messageId());
        RelayEntry entry = state.queued.get(c.messageId());
        if (entry == null) {
            return Effect().noReply();
        }
        boolean expired = entry.expiresAt() <= System.currentTimeMillis() / 1000;
        ErrorCode code;
        long retryAfter;
        if (c.result() instanceof LinkReply.Answered answered) {
            if (answered.status() == 200) {
                failures.remove(c.messageId());
                return Effect().persist(new RelayAccepted(c.messageId())).thenRun(this::pump).thenNoReply();
            }
            code = answered.code();
            retryAfter = answered.retryAfter();
        } else {
            LinkReply.Unreachable unreachable = (LinkReply.Unreachable) c.result();
            code = unreachable.code() == ErrorCode.PEER_UNREACHABLE ? ErrorCode.PEER_UNREACHABLE : ErrorCode.UNAVAILABLE;
            retryAfter = unreachable.retryAfterSeconds();
        }
        boolean permanent = !TRANSIENT.contains(code) && code != ErrorCode.UNAVAILABLE;
        if (permanent || expired) {
            ErrorCode reported = permanent ? code : ErrorCode.PEER_UNREACHABLE;
            failures.remove(c.messageId());
            context.getLog().info("federation relay given up with {}", reported.code());
            return Effect().persist(new RelayFailed(c.messageId(), reported.code()))
                    .thenRun(s -> {
                        for (UUID device : entry.payloads().keySet()) {
                            notifySender(entry.senderDevice(), new MessageAck(entry.messageId(), AckStatus.FAILED,
                                    Optional.of(device), Optional.of((long) reported.code())));
                        }
                        pump(s);
                    })
                    .thenNoReply();
        }
        scheduleRetry(c.messageId(), code == ErrorCode.STALE_SEQUENCE ? 0 : retryAfter);
        return Effect().noReply();
    }

    /** Revocation (profile §6.3): queued relays fail, acks to the peer are dropped. */
    private ReplyEffect<OutboxEvent, State> onFailAll(State state, OutboxCommand.FailAll c) {
        List<OutboxEvent> events = new ArrayList<>();
        List<RelayEntry> failed = new ArrayList<>(state.queued.values());
        failed.forEach(e -> events.add(new RelayFailed(e.messageId(), c.errorCode())));
        state.acks.keySet().forEach(id -> events.add(new AckSent(id)));
        if (events.isEmpty()) {
            return Effect().noReply();
        }
        return Effect().persist(events).thenRun(s -> {
            for (RelayEntry entry : failed) {
                timers.cancel(entry.messageId());
                waitingRetry.remove(entry.messageId());
                for (UUID device : entry.payloads().keySet()) {
                    notifySender(entry.senderDevice(), new MessageAck(entry.messageId(), AckStatus.FAILED, Optional.of(device),
                            Optional.of(c.errorCode())));
                }
            }
        }).thenNoReply();
    }

    private void scheduleRetry(UUID id, long retryAfterSeconds) {
        int k = failures.merge(id, 1, Integer::sum);
        long capMillis = Math.min(300_000L, 1000L << Math.min(k - 1, 9));
        long waitMillis = Math.max(retryAfterSeconds * 1000, (long) (capMillis * (0.5 + random.nextDouble() * 0.5)));
        if (retryAfterSeconds == 0 && k == 1) {
            waitMillis = Math.min(waitMillis, 1000);
        }
        waitingRetry.add(id);
        timers.startSingleTimer(id, new RetryDue(id), Duration.ofMillis(waitMillis));
    }

    private ReplyEffect<OutboxEvent, State> onDeliveryReported(State state, OutboxCommand.DeliveryReported c) {
        Awaiting awaiting = state.awaiting.get(c.messageId());
        RelayEntry queued = state.queued.get(c.messageId());
        if (awaiting == null && queued == null) {
            return Effect().noReply(); // unknown, or reported before: acks are idempotent
        }
        Set<UUID> open = new LinkedHashSet<>(awaiting != null ? awaiting.devices() : queued.payloads().keySet());
        UUID sender = awaiting != null ? awaiting.senderDevice() : queued.senderDevice();
        List<MessageAck> receipts = new ArrayList<>();
        List<UUID> reported = new ArrayList<>();
        for (UUID d : c.deliveredTo()) {
            if (open.remove(d)) {
                reported.add(d);
                receipts.add(new MessageAck(c.messageId(), AckStatus.DELIVERED, Optional.of(d), Optional.empty()));
            }
        }
        for (UUID d : c.failedDevices()) {
            if (open.remove(d)) {
                reported.add(d);
                receipts.add(new MessageAck(c.messageId(), AckStatus.FAILED, Optional.of(d),
                        Optional.of((long) ErrorCode.REMOTE_DELIVERY_FAILED.code())));
            }
        }
        if (reported.isEmpty()) {
            return Effect().noReply();
        }
        List<OutboxEvent> events = new ArrayList<>();
        if (awaiting == null) {
            events.add(new RelayAccepted(c.messageId())); // the 200 was lost, but the peer delivered: final
        }
        events.add(new DeliveriesReported(c.messageId(), List.copyOf(reported)));
        return Effect().persist(events)
                .thenRun(s -> {
                    receipts.forEach(r -> notifySender(sender, r));
                    pump(s);
                })
                .thenNoReply();
    }

    private void notifySender(UUID senderDevice, MessageAck ack) {
        new ShardedEntities(sharding, seal.entityNames()).device(senderDevice)
                .tell(new DeviceCommand.Push(WireMessage.of(ack)));
    }

    // ---- delivery acks to the peer ----

    private ReplyEffect<OutboxEvent, State> onReportDelivery(State state, OutboxCommand.ReportDelivery c) {
        Report report = reports.computeIfAbsent(c.messageId(), id -> new Report(new LinkedHashSet<>(), new LinkedHashSet<>()));
        (c.delivered() ? report.delivered() : report.failed()).add(c.device());
        if (!timers.isTimerActive(FlushReports.INSTANCE)) {
            timers.startSingleTimer(FlushReports.INSTANCE, REPORT_DELAY);
        }
        return Effect().noReply();
    }

    private ReplyEffect<OutboxEvent, State> onFlushReports(State state, FlushReports c) {
        if (reports.isEmpty()) {
            return Effect().noReply();
        }
        List<OutboxEvent> events = new ArrayList<>();
        reports.forEach((id, r) -> events.add(new AckQueued(id, List.copyOf(r.delivered()), List.copyOf(r.failed()))));
        reports.clear();
        return Effect().persist(events).thenRun(this::pump).thenNoReply();
    }

    private void attemptAck(AckQueued ack) {
        inFlight.add(ack.messageId());
        context.ask(LinkReply.class, LinkCommand.to(sharding, peer), ASK_TIMEOUT,
                replyTo -> new LinkCommand.Send(new LinkCommand.Ack(ack.messageId(), peer, ack.deliveredTo(), ack.failedDevices()),
                        replyTo),
                (result, error) -> new AckAttempted(ack.messageId(), ack,
                        result != null ? result : LinkReply.Unreachable.of(ErrorCode.UNAVAILABLE, 1)));
    }

    private ReplyEffect<OutboxEvent, State> onAckAttempted(State state, AckAttempted c) {
        inFlight.remove(c.messageId());
        if (!state.acks.containsKey(c.messageId())) {
            return Effect().noReply();
        }
        if (c.result() instanceof LinkReply.Answered answered) {
            ErrorCode code = answered.status() == 200 ? null : answered.code();
            if (code == null || !TRANSIENT.contains(code)) {
                if (code != null) {
                    context.getLog().info("federation delivery ack refused with {}", code.code());
                }
                List<OutboxEvent> events = new ArrayList<>();
                events.add(new AckSent(c.messageId()));
                AckQueued now = state.acks.get(c.messageId());
                List<UUID> delivered = new ArrayList<>(now.deliveredTo());
                delivered.removeAll(c.sent().deliveredTo());
                List<UUID> failed = new ArrayList<>(now.failedDevices());
                failed.removeAll(c.sent().failedDevices());
                if (!delivered.isEmpty() || !failed.isEmpty()) { // reported while this one was in flight
                    events.add(new AckQueued(c.messageId(), List.copyOf(delivered), List.copyOf(failed)));
                }
                return Effect().persist(events).thenRun(this::pump).thenNoReply();
            }
            scheduleRetry(c.messageId(), answered.retryAfter());
        } else {
            scheduleRetry(c.messageId(), ((LinkReply.Unreachable) c.result()).retryAfterSeconds());
        }
        return Effect().noReply();
    }

    // ---- journal ----

    @Override
    public EventHandler<State, OutboxEvent> eventHandler() {
        EventHandler<State, OutboxEvent> events = newEventHandlerBuilder().forAnyState()
                .onEvent(RelayQueued.class, (state, e) -> {
                    state.queued.put(e.entry().messageId(), e.entry());
                    return state;
                })
                .onEvent(RelayAccepted.class, (state, e) -> {
                    RelayEntry entry = state.queued.remove(e.messageId());
                    if (entry != null) {
                        state.awaiting.put(e.messageId(), new Awaiting(e.messageId(), entry.senderDevice(),
                                List.copyOf(entry.payloads().keySet()), entry.expiresAt()));
                    }
                    return state;
                })
                .onEvent(RelayFailed.class, (state, e) -> {
                    state.queued.remove(e.messageId());
                    return state;
                })
                .onEvent(DeliveriesReported.class, (state, e) -> {
                    Awaiting awaiting = state.awaiting.get(e.messageId());
                    if (awaiting != null) {
                        List<UUID> open = new ArrayList<>(awaiting.devices());
                        open.removeAll(e.devices());
                        if (open.isEmpty()) {
                            state.awaiting.remove(e.messageId());
                        } else {
                            state.awaiting.put(e.messageId(), new Awaiting(e.messageId(), awaiting.senderDevice(), List.copyOf(open),
                                    awaiting.expiresAt()));
                        }
                    }
                    return state;
                })
                .onEvent(AckQueued.class, (state, e) -> {
                    AckQueued earlier = state.acks.get(e.messageId());
                    state.acks.put(e.messageId(), earlier == null ? e : merge(earlier, e));
                    return state;
                })
                .onEvent(AckSent.class, (state, e) -> {
                    state.acks.remove(e.messageId());
                    return state;
                })
                .build();
        return (state, event) -> {
            State next = events.apply(state == template ? new State() : state, event);
            reportQueued(next);
            return next;
        };
    }

    private static AckQueued merge(AckQueued a, AckQueued b) {
        Set<UUID> delivered = new LinkedHashSet<>(a.deliveredTo());
        delivered.addAll(b.deliveredTo());
        Set<UUID> failed = new LinkedHashSet<>(a.failedDevices());
        failed.addAll(b.failedDevices());
        failed.removeAll(delivered);
        return new AckQueued(a.messageId(), List.copyOf(delivered), List.copyOf(failed));
    }
}
