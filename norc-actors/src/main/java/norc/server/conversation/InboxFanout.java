package norc.server.conversation;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.storage.MessageBodies;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A group's fan-out, the child of its {@link ConversationEntity} for as long as the entity runs:
 * stores each {@link Step} of the group's order (a change's statements, or one message) in every
 * inbox it goes to, and tells the entity one {@link Outcome} per step. Several steps may be under
 * way at once (the entity decides how many, and runs a change alone). Per inbox, copies leave in
 * the order their steps came and one write is in flight at a time; the copies that queued behind
 * it go together in the next ({@link DeviceCommand.StoreAll}). So every inbox holds the group's
 * steps in one order, and a busy group costs each inbox one journal write for many messages.
 *
 * <p>A write not answered is asked again every {@code retryEvery} (inboxes deduplicate by entry
 * id). A message's ciphertext is written once to {@link MessageBodies} before any of its copies
 * leaves. A message's step ends incomplete at its deadline, its copies not yet sent dropped (its
 * sender asks again); a change's only when every inbox answered. A 1:1 file's manifest copies go
 * the same way, one step and done ({@link #once}, {@code FileRequest}).
 */
public final class InboxFanout {

    /** One inbox entry: {@code senderDevice} null for the server's own (membership updates). */
    public record Copy(UUID device, UUID entryId, int type, byte[] payload, UUID senderDevice) {}

    /**
     * A group message's ciphertext, written to {@link MessageBodies} under {@code key} before any
     * copy (each copy is stored without it, {@link norc.server.storage.SharedCiphertext}, and
     * names it, its length at {@code at}).
     */
    public record SharedBody(String key, int at, byte[] ciphertext) {}

    /** Every inbox answered ({@code complete}), or the deadline passed first; {@code inboxFull}: some inbox was at its quota. */
    public record Outcome(long step, boolean complete, boolean inboxFull) implements NoSerializationVerificationNeeded {}

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /**
     * One step's copies. {@code body}: the ciphertext they share, or null when each copy is whole.
     * {@code deadline} empty: ask until every inbox answered (a change, which is journalled and
     * must reach everyone); else give up then (a message, whose sender asks again).
     */
    public record Step(long step, List<Copy> copies, SharedBody body, long expiresAt, Optional<Duration> deadline)
            implements Command {}

    private record Stored(DeviceReply.StoreReply reply) implements Command {}

    private record BodyWritten(long step, Throwable failure) implements Command {}

    private enum Retry implements Command { INSTANCE }

    private record Deadline(long step) implements Command {}

    /** The most copies one write to an inbox carries. */
    static final int MAX_BATCH = 64;

    /** The group's fan-out: runs until its entity stops. */
    public static Behavior<Command> create(Function<UUID, RecipientRef<DeviceCommand>> inboxes, MessageBodies bodies,
                                           Duration retryEvery, ActorRef<Outcome> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new InboxFanout(context, timers, inboxes, bodies, retryEvery, replyTo, false).running()));
    }

    /** One step whose copies are whole, then stops. */
    public static Behavior<Command> once(Step step, Function<UUID, RecipientRef<DeviceCommand>> inboxes, Duration retryEvery,
                                         ActorRef<Outcome> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            context.getSelf().tell(step);
            return new InboxFanout(context, timers, inboxes, null, retryEvery, replyTo, true).running();
        }));
    }

    /** A step under way: its copies not yet answered, and whether its ciphertext is written. */
    private static final class Running {
        final Step step;
        final Set<UUID> devices = new LinkedHashSet<>();
        int unanswered;
        boolean bodyWritten;
        boolean inboxFull;

        Running(Step step) {
            this.step = step;
            this.unanswered = step.copies().size();
            this.bodyWritten = step.body() == null;
            step.copies().forEach(copy -> devices.add(copy.device()));
        }
    }

    private record Queued(Running step, Copy copy) {}

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final Function<UUID, RecipientRef<DeviceCommand>> inboxes;
    private final MessageBodies bodies;
    private final Duration retryEvery;
    private final ActorRef<Outcome> replyTo;
    private final ActorRef<DeviceReply.StoreReply> stored;
    private final boolean stopWhenIdle;
    private final Map<Long, Running> steps = new HashMap<>();
    /** Per inbox, the copies waiting for its write in flight to be answered, in order. */
    private final Map<UUID, ArrayDeque<Queued>> queued = new HashMap<>();
    /** Per inbox, the copies of its write in flight not yet answered. */
    private final Map<UUID, List<Queued>> inFlight = new HashMap<>();

    private InboxFanout(ActorContext<Command> context, TimerScheduler<Command> timers, Function<UUID, RecipientRef<DeviceCommand>> inboxes,
                        MessageBodies bodies, Duration retryEvery, ActorRef<Outcome> replyTo, boolean stopWhenIdle) {
        this.context = context;
        this.timers = timers;
        this.inboxes = inboxes;
        this.bodies = bodies;
        this.retryEvery = retryEvery;
        this.replyTo = replyTo;
        this.stopWhenIdle = stopWhenIdle;
        this.stored = context.messageAdapter(DeviceReply.StoreReply.class, Stored::new);
    }

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Step.class, this::onStep)
                .onMessage(BodyWritten.class, this::onBodyWritten)
                .onMessage(Stored.class, this::onStored)
                .onMessage(Retry.class, r -> onRetry())
                .onMessage(Deadline.class, d -> {
                    Running step = steps.get(d.step());
                    return step == null ? Behaviors.same() : finish(step, false);
                })
                .build();
    }

    private Behavior<Command> onStep(Step s) {
        Running step = new Running(s);
        if (s.copies().isEmpty()) {
            return finish(step, true);
        }
        steps.put(s.step(), step);
        s.copies().forEach(copy -> queued.computeIfAbsent(copy.device(), d -> new ArrayDeque<>()).add(new Queued(step, copy)));
        s.deadline().ifPresent(d -> timers.startSingleTimer(new Deadline(s.step()), d));
        if (step.bodyWritten) {
            step.devices.forEach(this::write);
        } else {
            context.pipeToSelf(bodies.put(s.body().key(), s.body().ciphertext(), s.expiresAt()),
                    (ok, failure) -> new BodyWritten(s.step(), failure));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onBodyWritten(BodyWritten written) {
        Running step = steps.get(written.step());
        if (step == null) {
            return Behaviors.same(); // its deadline came first
        }
        if (written.failure() != null) {
            return finish(step, false);
        }
        step.bodyWritten = true;
        step.devices.forEach(this::write);
        return Behaviors.same();
    }

    /** Sends the inbox its next write, unless one is in flight: the queued copies up to one whose ciphertext is not written yet. */
    private void write(UUID device) {
        if (inFlight.containsKey(device)) {
            return;
        }
        ArrayDeque<Queued> queue = queued.get(device);
        if (queue == null) {
            return;
        }
        List<Queued> batch = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().step().bodyWritten && batch.size() < MAX_BATCH) {
            batch.add(queue.poll());
        }
        if (queue.isEmpty()) {
            queued.remove(device);
        }
        if (batch.isEmpty()) {
            return;
        }
        inFlight.put(device, batch);
        send(device, batch);
        if (!timers.isTimerActive(Retry.INSTANCE)) {
            timers.startTimerWithFixedDelay(Retry.INSTANCE, retryEvery);
        }
    }

    private void send(UUID device, List<Queued> batch) {
        List<DeviceCommand.Store> entries = new ArrayList<>(batch.size());
        for (Queued q : batch) {
            Copy copy = q.copy();
            SharedBody body = q.step().step.body();
            long expiresAt = q.step().step.expiresAt();
            entries.add(body == null
                    ? new DeviceCommand.Store(copy.entryId(), copy.payload(), copy.senderDevice(), expiresAt, null, stored, copy.type())
                    : new DeviceCommand.Store(copy.entryId(), copy.payload(), copy.senderDevice(), expiresAt, null, stored, copy.type(),
                            body.key(), body.at(), body.ciphertext()));
        }
        inboxes.apply(device).tell(entries.size() == 1 ? entries.get(0) : new DeviceCommand.StoreAll(entries));
    }

    private Behavior<Command> onStored(Stored answer) {
        UUID device = answer.reply().deviceId();
        List<Queued> batch = inFlight.get(device);
        Queued answered = batch == null ? null
                : batch.stream().filter(q -> q.copy().entryId().equals(answer.reply().entryId())).findFirst().orElse(null);
        if (answered == null) {
            return Behaviors.same(); // a retry's second answer
        }
        batch.remove(answered);
        if (batch.isEmpty()) {
            inFlight.remove(device);
            write(device);
        }
        Running step = answered.step();
        if (steps.get(step.step.step()) != step) {
            return Behaviors.same(); // a step that already ended
        }
        step.inboxFull |= answer.reply().result() == DeviceReply.StoreResult.INBOX_FULL;
        return --step.unanswered == 0 ? finish(step, true) : Behaviors.same();
    }

    /** Asks every inbox with a write in flight again, without the copies of steps that ended meanwhile. */
    private Behavior<Command> onRetry() {
        for (UUID device : List.copyOf(inFlight.keySet())) {
            List<Queued> batch = inFlight.get(device);
            batch.removeIf(q -> steps.get(q.step().step.step()) != q.step());
            if (batch.isEmpty()) {
                inFlight.remove(device);
                write(device);
            } else {
                send(device, batch);
            }
        }
        if (inFlight.isEmpty()) {
            timers.cancel(Retry.INSTANCE);
        }
        return Behaviors.same();
    }

    private Behavior<Command> finish(Running step, boolean complete) {
        long id = step.step.step();
        steps.remove(id);
        timers.cancel(new Deadline(id));
        if (!complete) {
            for (UUID device : step.devices) {
                ArrayDeque<Queued> queue = queued.get(device);
                if (queue != null && queue.removeIf(q -> q.step() == step)) {
                    if (queue.isEmpty()) {
                        queued.remove(device);
                    }
                    write(device); // copies behind it may have waited for its ciphertext
                }
            }
        }
        replyTo.tell(new Outcome(id, complete, step.inboxFull));
        return stopWhenIdle && steps.isEmpty() ? Behaviors.stopped() : Behaviors.same();
    }
}
