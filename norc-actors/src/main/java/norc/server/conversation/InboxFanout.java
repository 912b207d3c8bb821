package norc.server.conversation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * Stores one step of a group's order (a change's statements, or one message) in every inbox it
 * goes to, for its {@link ConversationEntity}: every inbox at once, and an inbox that gets several
 * copies (a change with its follow-up) one after the other, each asked again every
 * {@code retryEvery} until it answers (inboxes deduplicate by entry id), and one {@link Outcome}
 * to the entity when every inbox answered or, for a message, when {@code deadline} passed. The
 * entity starts the next step only after the outcome, so every inbox holds the group's steps in
 * one order. A temporary child: if it fails, the entity hears nothing and the step's requester
 * times out and asks again. A 1:1 file's manifest copies go the same way ({@code FileRequest}).
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

    private record Stored(DeviceReply.StoreReply reply) implements Command {}

    private record BodyWritten(Throwable failure) implements Command {}

    private enum Retry implements Command { INSTANCE }

    private enum Deadline implements Command { INSTANCE }

    /**
     * {@code deadline} empty: ask until every inbox answered (a change, which is journalled and
     * must reach everyone); else give up then (a message, whose sender asks again).
     */
    public static Behavior<Command> create(long step, List<Copy> copies, long expiresAt, Function<UUID, RecipientRef<DeviceCommand>> inboxes,
                                    Duration retryEvery, Optional<Duration> deadline, ActorRef<Outcome> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new InboxFanout(context, timers, step, copies, expiresAt, inboxes, null, replyTo).start(retryEvery, deadline)));
    }

    /**
     * A group message's copies, which share {@code body}: written to {@code bodies} first (its
     * failure, or the deadline passing first, is an incomplete outcome and no copy is stored), then
     * stored as above, until the deadline.
     */
    public static Behavior<Command> create(long step, List<Copy> copies, SharedBody body, MessageBodies bodies, long expiresAt,
                                           Function<UUID, RecipientRef<DeviceCommand>> inboxes, Duration retryEvery, Duration deadline,
                                           ActorRef<Outcome> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            InboxFanout fanout = new InboxFanout(context, timers, step, copies, expiresAt, inboxes, body, replyTo);
            timers.startSingleTimer(Deadline.INSTANCE, deadline);
            context.pipeToSelf(bodies.put(body.key(), body.ciphertext(), expiresAt), (ok, failure) -> new BodyWritten(failure));
            return Behaviors.receive(Command.class)
                    .onMessage(BodyWritten.class, written -> written.failure() == null ? fanout.start(retryEvery, Optional.empty())
                            : fanout.done(false))
                    .onMessage(Deadline.class, d -> fanout.done(false))
                    .build();
        }));
    }

    private final TimerScheduler<Command> timers;
    private final long step;
    /** Per inbox, its copies not yet stored, in order: only the first is asked for. */
    private final Map<UUID, java.util.ArrayDeque<Copy>> waiting = new HashMap<>();
    private final long expiresAt;
    private final Function<UUID, RecipientRef<DeviceCommand>> inboxes;
    private final ActorRef<Outcome> replyTo;
    private final ActorRef<DeviceReply.StoreReply> stored;
    private final SharedBody body;
    private boolean inboxFull;

    private InboxFanout(ActorContext<Command> context, TimerScheduler<Command> timers, long step, List<Copy> copies, long expiresAt,
                        Function<UUID, RecipientRef<DeviceCommand>> inboxes, SharedBody body, ActorRef<Outcome> replyTo) {
        this.step = step;
        this.expiresAt = expiresAt;
        this.inboxes = inboxes;
        this.replyTo = replyTo;
        this.body = body;
        this.stored = context.messageAdapter(DeviceReply.StoreReply.class, Stored::new);
        copies.forEach(copy -> waiting.computeIfAbsent(copy.device(), d -> new java.util.ArrayDeque<>()).add(copy));
        this.timers = timers;
    }

    private Behavior<Command> start(Duration retryEvery, Optional<Duration> deadline) {
        if (waiting.isEmpty()) {
            return done(true);
        }
        waiting.values().forEach(queue -> store(queue.peek()));
        timers.startTimerWithFixedDelay(Retry.INSTANCE, retryEvery);
        deadline.ifPresent(d -> timers.startSingleTimer(Deadline.INSTANCE, d));
        return Behaviors.receive(Command.class)
                .onMessage(Stored.class, this::onStored)
                .onMessage(Retry.class, r -> {
                    waiting.values().forEach(queue -> store(queue.peek()));
                    return Behaviors.same();
                })
                .onMessage(Deadline.class, d -> done(false))
                .build();
    }

    private void store(Copy copy) {
        inboxes.apply(copy.device()).tell(body == null
                ? new DeviceCommand.Store(copy.entryId(), copy.payload(), copy.senderDevice(), expiresAt, null, stored, copy.type())
                : new DeviceCommand.Store(copy.entryId(), copy.payload(), copy.senderDevice(), expiresAt, null, stored, copy.type(),
                        body.key(), body.at(), body.ciphertext()));
    }

    private Behavior<Command> onStored(Stored answer) {
        UUID device = answer.reply().deviceId();
        java.util.ArrayDeque<Copy> queue = waiting.get(device);
        if (queue == null || !queue.peek().entryId().equals(answer.reply().entryId())) {
            return Behaviors.same(); // a retry's second answer
        }
        inboxFull |= answer.reply().result() == DeviceReply.StoreResult.INBOX_FULL;
        queue.poll();
        if (queue.isEmpty()) {
            waiting.remove(device);
        } else {
            store(queue.peek());
        }
        return waiting.isEmpty() ? done(true) : Behaviors.same();
    }

    private Behavior<Command> done(boolean complete) {
        replyTo.tell(new Outcome(step, complete, inboxFull));
        return Behaviors.stopped();
    }
}
