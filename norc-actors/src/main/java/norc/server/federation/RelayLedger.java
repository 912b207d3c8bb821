package norc.server.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LedgerEvent;
import norc.server.federation.api.LedgerEvent.OutcomeRecorded;
import norc.server.federation.api.LedgerReply;
import norc.server.federation.api.LedgerSnapshot;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The replay cache for one origin server (sharded by its {@code server_id} and a bucket of message ids, event-sourced;
 * federation profile §5.2): {@code message_id} → the first outcome of its relay, kept for the
 * relay's lifetime plus a minute, durable across restarts and the same on every node. A relay is
 * committed by whoever got {@link LedgerReply.Proceed}; a duplicate arriving meanwhile waits here
 * for that outcome (its caller gives up after 10 s with {@code 9002}).
 */
public final class RelayLedger
        extends EventSourcedBehaviorWithEnforcedReplies<LedgerCommand, LedgerEvent, RelayLedger.State> {

    /** Outcomes, oldest first; expired ones are dropped as new ones are recorded. */
    public static final class State {
        final LinkedHashMap<UUID, OutcomeRecorded> outcomes = new LinkedHashMap<>();

        void prune(long now) {
            outcomes.values().removeIf(o -> o.keepUntil() <= now);
        }
    }

    /** Registers the entity type. Supervision: a failed write restarts this ledger alone, with backoff. */
    public static void init(ActorSystem<?> system) {
        ClusterSharding.get(system).init(Entity.of(LedgerCommand.ENTITY_TYPE_KEY, context -> create(context.getEntityId())));
    }

    /** {@code entityId}: {@code <origin>#<bucket>} ({@link norc.server.federation.api.Outboxes#ledger}). */
    static Behavior<LedgerCommand> create(String entityId) {
        return new RelayLedger(entityId);
    }

    // callers waiting for a relay being committed by another (not persisted: they retry)
    private final Map<UUID, List<ActorRef<LedgerReply>>> committing = new HashMap<>();

    private RelayLedger(String origin) {
        super(PersistenceId.of(LedgerCommand.ENTITY_TYPE_KEY.name(), origin),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
    }

    @Override
    public State emptyState() {
        return template;
    }

    /**
     * The empty state Pekko starts every recovery from: its Java API asks for it once per entity
     * and reuses it after a restart, so it is never changed; the event handler applies the first
     * event to a fresh copy (else a restart after a failed write would recover on top of the failed
     * incarnation's state, the failed event applied).
     */
    private final State template = new State();

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(500, 2);
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new LedgerSnapshot(List.copyOf(state.outcomes.values()));
            }

            @Override
            public State fromJournal(Object from) {
                State state = new State();
                ((LedgerSnapshot) from).outcomes().forEach(o -> state.outcomes.put(o.messageId(), o));
                return state;
            }
        };
    }

    @Override
    public CommandHandlerWithReply<LedgerCommand, LedgerEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(LedgerCommand.Begin.class, this::onBegin)
                .onCommand(LedgerCommand.Record.class, this::onRecord)
                .onCommand(LedgerCommand.Abandon.class, this::onAbandon)
                .build();
    }

    private ReplyEffect<LedgerEvent, State> onBegin(State state, LedgerCommand.Begin c) {
        OutcomeRecorded known = state.outcomes.get(c.messageId());
        if (known != null && known.keepUntil() > System.currentTimeMillis()) {
            return Effect().reply(c.replyTo(), new LedgerReply.Recorded(c.messageId(), known.errorCode()));
        }
        List<ActorRef<LedgerReply>> waiting = committing.get(c.messageId());
        if (waiting != null) {
            waiting.add(c.replyTo());
            return Effect().noReply();
        }
        committing.put(c.messageId(), new ArrayList<>());
        return Effect().reply(c.replyTo(), new LedgerReply.Proceed(c.messageId()));
    }

    private ReplyEffect<LedgerEvent, State> onRecord(State state, LedgerCommand.Record c) {
        OutcomeRecorded known = state.outcomes.get(c.messageId());
        if (known != null) { // the first outcome stands
            return Effect().reply(c.replyTo(), new LedgerReply.Recorded(c.messageId(), known.errorCode()));
        }
        List<ActorRef<LedgerReply>> waiting = committing.remove(c.messageId());
        return Effect().persist(new OutcomeRecorded(c.messageId(), c.errorCode(), c.keepUntil()))
                .thenRun(s -> {
                    LedgerReply.Recorded recorded = new LedgerReply.Recorded(c.messageId(), c.errorCode());
                    if (waiting != null) {
                        waiting.forEach(w -> w.tell(recorded));
                    }
                })
                .thenReply(c.replyTo(), s -> new LedgerReply.Recorded(c.messageId(), c.errorCode()));
    }

    private ReplyEffect<LedgerEvent, State> onAbandon(State state, LedgerCommand.Abandon c) {
        List<ActorRef<LedgerReply>> waiting = committing.remove(c.messageId());
        if (waiting != null && !waiting.isEmpty()) { // the next in line commits it
            ActorRef<LedgerReply> next = waiting.remove(0);
            committing.put(c.messageId(), waiting);
            next.tell(new LedgerReply.Proceed(c.messageId()));
        }
        return Effect().noReply();
    }

    @Override
    public EventHandler<State, LedgerEvent> eventHandler() {
        EventHandler<State, LedgerEvent> events = newEventHandlerBuilder().forAnyState()
                .onEvent(OutcomeRecorded.class, (state, e) -> {
                    state.prune(System.currentTimeMillis());
                    state.outcomes.put(e.messageId(), e);
                    return state;
                })
                .build();
        return (state, event) -> events.apply(state == template ? new State() : state, event);
    }
}
