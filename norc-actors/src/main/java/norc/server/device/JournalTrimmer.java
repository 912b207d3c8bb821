package norc.server.device;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import norc.persistence.JournalDatabase;
import norc.persistence.JournalDatabase.Trim;
import norc.server.metrics.ServerMetrics;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A node's retention writer: device entities whose inbox drained ask for their journal prefix and
 * older snapshots to be deleted ({@link Trim}); this actor keeps the newest request per entity and
 * sends them all to the database in one transaction every {@code flush}, on the blocking
 * dispatcher, one flush at a time. A failed flush keeps its requests for the next one (a request is
 * only ever a prefix, so a late or repeated one is harmless). Two states: {@code idle} (waiting
 * for the next flush) and {@code flushing}. In memory only: requests lost with the node are asked
 * again at the entity's next drained snapshot.
 */
public final class JournalTrimmer {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** Delete this entity's journal prefix and older snapshots. */
    public record Request(Trim trim) implements Command {}

    private enum Flush implements Command { INSTANCE }

    private record Flushed(List<Trim> trims, int deleted, Throwable failure) implements Command {}

    public static Behavior<Command> create(JournalDatabase database, Duration flush, ServerMetrics metrics) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Flush.INSTANCE, flush);
            return new JournalTrimmer(context, database, metrics).idle();
        }));
    }

    private final ActorContext<Command> context;
    private final JournalDatabase database;
    private final ServerMetrics metrics;
    private final Executor blocking;
    private final Map<String, Trim> waiting = new LinkedHashMap<>();
    private boolean failedBefore;

    private JournalTrimmer(ActorContext<Command> context, JournalDatabase database, ServerMetrics metrics) {
        this.context = context;
        this.database = database;
        this.metrics = metrics;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Request.class, this::onRequest)
                .onMessage(Flush.class, f -> waiting.isEmpty() ? Behaviors.same() : flush())
                .build();
    }

    private Behavior<Command> flushing() {
        return Behaviors.receive(Command.class)
                .onMessage(Request.class, this::onRequest)
                .onMessage(Flush.class, f -> Behaviors.same()) // one flush at a time
                .onMessage(Flushed.class, this::onFlushed)
                .build();
    }

    private Behavior<Command> onRequest(Request request) {
        waiting.merge(request.trim().persistenceId(), request.trim(), (older, newer) -> new Trim(newer.persistenceId(),
                Math.max(older.eventsUpTo(), newer.eventsUpTo()), Math.max(older.snapshotsBelow(), newer.snapshotsBelow())));
        return Behaviors.same();
    }

    private Behavior<Command> flush() {
        List<Trim> trims = List.copyOf(waiting.values());
        waiting.clear();
        context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
                return database.trim(trims);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, blocking), (deleted, failure) -> new Flushed(trims, deleted == null ? 0 : deleted, failure));
        return flushing();
    }

    private Behavior<Command> onFlushed(Flushed flushed) {
        if (flushed.failure() != null) {
            if (!failedBefore) { // the message names the database, never an entity
                context.getLog().warn("journal retention: a delete of {} entities' rows failed, kept for the next flush: {}",
                        flushed.trims().size(), flushed.failure().getMessage());
            }
            failedBefore = true;
            flushed.trims().forEach(trim -> onRequest(new Request(trim)));
        } else {
            failedBefore = false;
            metrics.rowsTrimmed(flushed.deleted());
        }
        return idle();
    }
}
