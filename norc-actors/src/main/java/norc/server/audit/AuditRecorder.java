package norc.server.audit;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import norc.server.audit.api.AuditCommand;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node's side of the audit log (one per node, behind its {@link AuditLog}): replaces the ids
 * of each event by their pseudonyms, so that no clear id is stored or crosses a node boundary,
 * limits the kinds anyone can cause in bulk ({@link AuditKinds#SUPPRESSED}: {@code limit} per
 * window, then one summary entry with the count left out), and sends what remains to the
 * {@link AuditJournal} singleton. Its counts are per node and live in memory only.
 */
public final class AuditRecorder {

    // ---- protocol (never leaves this node) ----

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** An event as the caller gave it, ids in clear. */
    public record Record(AuditEvent event) implements Command {}

    private record WindowEnded(String kind) implements Command {}

    /** {@code window}: one minute in service; shorter in tests. */
    public static Behavior<Command> create(Pseudonyms pseudonyms, ActorRef<AuditCommand> journal, int limit, Duration window) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new AuditRecorder(context, timers, pseudonyms, journal, limit, window).receive()));
    }

    /** A rate-limited kind's current window. */
    private static final class Window {
        int recorded;
        long suppressed;
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final Pseudonyms pseudonyms;
    private final ActorRef<AuditCommand> journal;
    private final int limit;
    private final Duration window;
    private final Map<String, Window> windows = new HashMap<>();

    private AuditRecorder(ActorContext<Command> context, TimerScheduler<Command> timers, Pseudonyms pseudonyms,
                          ActorRef<AuditCommand> journal, int limit, Duration window) {
        this.context = context;
        this.timers = timers;
        this.pseudonyms = pseudonyms;
        this.journal = journal;
        this.limit = limit;
        this.window = window;
    }

    private Behavior<Command> receive() {
        return Behaviors.receive(Command.class)
                .onMessage(Record.class, this::onRecord)
                .onMessage(WindowEnded.class, this::onWindowEnded)
                .build();
    }

    private Behavior<Command> onRecord(Record record) {
        AuditEvent event = record.event();
        if (AuditKinds.SUPPRESSED.containsKey(event.kind()) && !admit(event.kind())) {
            return Behaviors.same();
        }
        TreeMap<String, String> fields = new TreeMap<>(event.clear());
        event.pseudonymised().forEach((key, id) -> fields.put(key, pseudonyms.of(key, id)));
        journal.tell(new AuditCommand.Append(event.kind(), fields));
        return Behaviors.same();
    }

    /** Counts one event of a rate-limited kind; whether it is recorded. */
    private boolean admit(String kind) {
        Window current = windows.get(kind);
        if (current == null) {
            current = new Window();
            windows.put(kind, current);
            timers.startSingleTimer(new WindowEnded(kind), window);
        }
        if (current.recorded < limit) {
            current.recorded++;
            return true;
        }
        current.suppressed++;
        return false;
    }

    private Behavior<Command> onWindowEnded(WindowEnded ended) {
        Window done = windows.remove(ended.kind());
        if (done != null && done.suppressed > 0) {
            context.getLog().warn("audit: {} {} events not recorded in the last {} s (over {}); one summary entry written",
                    done.suppressed, ended.kind(), window.toSeconds(), limit);
            journal.tell(new AuditCommand.Append(AuditKinds.SUPPRESSED.get(ended.kind()), Map.of(
                    "count", Long.toString(done.suppressed),
                    "limit", Integer.toString(limit),
                    "window-seconds", Long.toString(Math.max(1, window.toSeconds())))));
        }
        return Behaviors.same();
    }
}
