package norc.server.audit;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import norc.audit.AuditChain;
import norc.audit.AuditEntry;
import norc.server.ServerSettings;
import norc.server.audit.api.AuditCommand;
import norc.server.audit.api.AuditJournalEvent;
import norc.server.audit.api.AuditJournalEvent.EntryAppended;
import norc.server.audit.api.AuditJournalEvent.EntryUnreadable;
import norc.server.audit.api.AuditReply;
import norc.server.audit.api.AuditSnapshot;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The audit log of spec §6.18: one hash chain, {@code entry_hash = B3(prev_hash || canonical_entry)}
 * from 32 zero bytes, written by a single writer, this cluster singleton, event-sourced under the
 * persistence id {@code Audit|main}. Each entry is one {@link EntryAppended} event; its
 * sequence is the journal's, so the journal's primary key refuses a second writer. In memory it
 * keeps only the head (last sequence and hash); snapshots hold that head, and no event is ever
 * deleted. Entries are read back, and verified, from the database ({@link AuditEntries}), never
 * from this actor.
 *
 * <p>Recovery re-walks the chain after the last snapshot. A row that was changed, removed, moved
 * or no longer decodes does not stop it: the journal logs where the chain broke and keeps
 * appending after the last entry as stored, so that damaging the log does not also silence it;
 * the verifier ({@code norc admin audit verify}) names the break.
 */
public final class AuditJournal
        extends EventSourcedBehaviorWithEnforcedReplies<AuditCommand, AuditJournalEvent, AuditJournal.State> {

    // ---- protocol: AuditCommand and AuditReply in norc.server.audit.api; this one never leaves its node ----

    /** The singleton manager's stop message (hand-over): queued behind appends stashed during a write. */
    private enum Stop implements AuditCommand, NoSerializationVerificationNeeded { INSTANCE }

    /** The one chain's persistence id: {@code Audit|main}. */
    public static final PersistenceId PERSISTENCE_ID = PersistenceId.of("Audit", "main");

    // ---- state (immutable; the head only) ----

    /** {@code firstBreak}: the first entry recovery found out of the chain, or 0. */
    record State(long lastSequence, byte[] lastHash, long firstBreak) {
        static final State GENESIS = new State(0, AuditChain.GENESIS, 0);

        State appended(EntryAppended entry) {
            boolean follows = entry.sequence() == lastSequence + 1 && matchesItsBytes(entry)
                    && MessageDigest.isEqual(AuditChain.entryHash(lastHash, entry.canonicalEntry()), entry.entryHash());
            return new State(entry.sequence(), entry.entryHash(), firstBreak != 0 || follows ? firstBreak : entry.sequence());
        }

        State unreadable() {
            return new State(lastSequence, lastHash, firstBreak != 0 ? firstBreak : lastSequence + 1);
        }

        private static boolean matchesItsBytes(EntryAppended entry) {
            try {
                AuditEntry decoded = AuditEntry.decode(entry.canonicalEntry());
                return decoded.sequence() == entry.sequence() && decoded.timestamp() == entry.timestamp();
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    // ---- start-up ----

    /**
     * Starts this node's part of the audit log: the singleton (on the oldest node; the others
     * reach it through a proxy) and the node's {@link AuditRecorder}. Supervision: the journal
     * restarts with backoff on any failure and recovers its head from the journal; the recorder
     * restarts (it loses only its rate-limit counts). Fails start-up if the secret cannot be read.
     */
    public static AuditLog start(ActorContext<?> context, ServerSettings settings) {
        AuditSettings audit = settings.audit();
        Pseudonyms pseudonyms = Pseudonyms.loadOrCreate(audit.secretFile());
        ActorRef<AuditCommand> journal = ClusterSingleton.get(context.getSystem()).init(
                SingletonActor.of(Behaviors.supervise(create(audit.snapshotEvery(), Clock.systemUTC()))
                                .onFailure(SupervisorStrategy.restartWithBackoff(MIN_BACKOFF, MAX_BACKOFF, 0.2)), "audit-journal")
                        .withStopMessage(Stop.INSTANCE));
        ActorRef<AuditRecorder.Command> recorder = context.spawn(Behaviors.supervise(
                        AuditRecorder.create(pseudonyms, journal, audit.perKindPerMinute(), Duration.ofMinutes(1)))
                .onFailure(SupervisorStrategy.restart()), "audit-recorder");
        return event -> recorder.tell(new AuditRecorder.Record(event));
    }

    public static Behavior<AuditCommand> create(int snapshotEvery, Clock clock) {
        return Behaviors.setup(context -> new AuditJournal(context, snapshotEvery, clock));
    }

    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final ActorContext<AuditCommand> context;
    private final int snapshotEvery;
    private final Clock clock;

    private AuditJournal(ActorContext<AuditCommand> context, int snapshotEvery, Clock clock) {
        super(PERSISTENCE_ID, SupervisorStrategy.restartWithBackoff(MIN_BACKOFF, MAX_BACKOFF, 0.2));
        this.context = context;
        this.snapshotEvery = snapshotEvery;
        this.clock = clock;
    }

    @Override
    public State emptyState() {
        return State.GENESIS;
    }

    /** Snapshots of the head only; events are never deleted (no {@code withDeleteEventsOnSnapshot}). */
    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State state) {
                return new AuditSnapshot(state.lastSequence(), state.lastHash(), state.firstBreak());
            }

            @Override
            public State fromJournal(Object from) {
                AuditSnapshot snapshot = (AuditSnapshot) from;
                return new State(snapshot.lastSequence(), snapshot.lastHash(), snapshot.firstBreak());
            }
        };
    }

    @Override
    public CommandHandlerWithReply<AuditCommand, AuditJournalEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(AuditCommand.Append.class, this::onAppend)
                .onCommand(AuditCommand.GetHead.class, (state, c) -> Effect().reply(c.replyTo(),
                        new AuditReply.Head(state.lastSequence(), state.lastHash(), state.firstBreak())))
                .onCommand(Stop.class, (state, c) -> Effect().stop().thenNoReply())
                .build();
    }

    private ReplyEffect<AuditJournalEvent, State> onAppend(State state, AuditCommand.Append append) {
        long sequence = lastSequenceNumber(context) + 1; // the journal's own: a second writer's persist fails
        long timestamp = clock.millis();
        byte[] canonical;
        try {
            canonical = AuditEntry.of(sequence, timestamp, append.kind(), append.fields()).encode();
        } catch (IllegalArgumentException e) {
            context.getLog().error("audit: an entry of kind {} was refused: {}", AuditEntry.validName(append.kind())
                    ? append.kind() : "(invalid)", e.getMessage());
            return Effect().noReply();
        }
        return Effect().persist(new EntryAppended(sequence, timestamp, canonical, AuditChain.entryHash(state.lastHash(), canonical)))
                .thenNoReply();
    }

    @Override
    public EventHandler<State, AuditJournalEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(EntryAppended.class, State::appended)
                .onEvent(EntryUnreadable.class, (state, e) -> state.unreadable())
                .build();
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                .onSignal(RecoveryFailed.class, (state, failed) -> context.getLog().error(
                        "audit: the journal could not recover (it retries with backoff; nothing is recorded meanwhile): {}",
                        failed.getFailure().getMessage()))
                .build();
    }

    private void onRecovered(State state) {
        if (state.firstBreak() != 0) {
            context.getLog().error("audit: the chain is broken at entry {} as stored (changed, removed, moved or unreadable);"
                    + " new entries follow entry {}. Run `norc admin audit verify` and restore the journal from a backup",
                    state.firstBreak(), state.lastSequence());
        } else {
            context.getLog().info("audit: journal recovered, {} entries", state.lastSequence());
        }
    }
}
