package norc.server.storage;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import norc.server.files.ChunkStore;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node's deleter of expired opaque bytes: every {@code interval} (the first a minute after
 * start, or sooner if the interval is shorter) it deletes the file chunks and the shared message
 * ciphertexts ({@link MessageBodies}) whose file or message expired more than {@code grace} ago,
 * one sweep at a time. Two states: {@code idle} and {@code sweeping}. A failed sweep is logged
 * and tried again at the next interval; deleting only rows past their expiry, a sweep is
 * idempotent, so every node of a cluster may run its own. Keeps nothing worth keeping across a
 * restart.
 */
public final class StorageSweeper {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    private enum Sweep implements Command { INSTANCE }

    private record Swept(int chunks, int bodies, Throwable failure) implements Command {}

    private static final Duration FIRST = Duration.ofMinutes(1);

    public static Behavior<Command> create(ChunkStore chunks, MessageBodies bodies, Duration interval, Duration grace) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerAtFixedRate(Sweep.INSTANCE, Sweep.INSTANCE, interval.compareTo(FIRST) < 0 ? interval : FIRST, interval);
            return new StorageSweeper(context, chunks, bodies, grace).idle();
        }));
    }

    private final ActorContext<Command> context;
    private final ChunkStore chunks;
    private final MessageBodies bodies;
    private final Duration grace;

    private StorageSweeper(ActorContext<Command> context, ChunkStore chunks, MessageBodies bodies, Duration grace) {
        this.context = context;
        this.chunks = chunks;
        this.bodies = bodies;
        this.grace = grace;
    }

    private Behavior<Command> idle() {
        return Behaviors.receive(Command.class)
                .onMessage(Sweep.class, s -> sweep())
                .onMessage(Swept.class, s -> Behaviors.same())
                .build();
    }

    private Behavior<Command> sweeping() {
        return Behaviors.receive(Command.class)
                .onMessage(Sweep.class, s -> Behaviors.same()) // one sweep at a time
                .onMessage(Swept.class, this::onSwept)
                .build();
    }

    private Behavior<Command> sweep() {
        long before = System.currentTimeMillis() - grace.toMillis();
        CompletableFuture<Integer> chunksGone = chunks.sweep(before);
        CompletableFuture<Integer> bodiesGone = bodies.sweep(before);
        context.pipeToSelf(chunksGone.thenCombine(bodiesGone, (c, b) -> new int[] {c, b}),
                (gone, failure) -> failure != null ? new Swept(0, 0, failure) : new Swept(gone[0], gone[1], null));
        return sweeping();
    }

    private Behavior<Command> onSwept(Swept swept) {
        if (swept.failure() != null) { // the message names the database, never a file or a message
            context.getLog().warn("deleting expired chunks and message bodies failed, trying again at the next sweep: {}",
                    swept.failure().getMessage());
        } else if (swept.chunks() + swept.bodies() > 0) {
            context.getLog().info("deleted {} expired file chunks and {} expired message bodies", swept.chunks(), swept.bodies());
        }
        return idle();
    }
}
