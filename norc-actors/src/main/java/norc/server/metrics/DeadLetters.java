package norc.server.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * This node's dead letters, counted by message type and logged once a minute without their
 * recipients: Pekko's own dead-letter log names the recipient's path, and a sharded entity's path
 * holds its entity id (a user or device id, spec §6.3), so that log is off
 * ({@code pekko.log-dead-letters = off}) and this takes its place. Restart on failure: it loses at
 * most a minute's counts.
 */
public final class DeadLetters {
    static final Duration REPORT_EVERY = Duration.ofMinutes(1);

    public sealed interface Command {}

    private record Dead(DeadLetter letter) implements Command {}

    private enum Report implements Command { INSTANCE }

    public static Behavior<Command> create(ServerMetrics metrics) {
        return create(metrics, REPORT_EVERY);
    }

    static Behavior<Command> create(ServerMetrics metrics, Duration every) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new DeadLetters(context, timers, metrics, every).counting()));
    }

    private final ActorContext<Command> context;
    private final ServerMetrics metrics;
    private final Map<String, Integer> lastMinute = new TreeMap<>();

    private DeadLetters(ActorContext<Command> context, TimerScheduler<Command> timers, ServerMetrics metrics, Duration every) {
        this.context = context;
        this.metrics = metrics;
        context.getSystem().eventStream().tell(new EventStream.Subscribe<>(DeadLetter.class,
                context.messageAdapter(DeadLetter.class, Dead::new)));
        timers.startTimerWithFixedDelay(Report.INSTANCE, every);
    }

    private Behavior<Command> counting() {
        return Behaviors.receive(Command.class)
                .onMessage(Dead.class, dead -> {
                    String type = dead.letter().message().getClass().getName();
                    lastMinute.merge(type, 1, Integer::sum);
                    metrics.deadLetter(type);
                    return Behaviors.same();
                })
                .onMessage(Report.class, r -> {
                    if (!lastMinute.isEmpty()) {
                        int total = lastMinute.values().stream().mapToInt(Integer::intValue).sum();
                        context.getLog().info("{} dead letters (messages to actors that were gone), by type: {}", total, lastMinute);
                        lastMinute.clear();
                    }
                    return Behaviors.same();
                })
                .build();
    }
}
