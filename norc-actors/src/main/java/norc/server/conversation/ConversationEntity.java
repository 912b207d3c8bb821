package norc.server.conversation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import norc.groups.MembershipStatement;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.contract.WireMessage;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationEvent;
import norc.server.conversation.api.ConversationEvent.Member;
import norc.server.conversation.api.ConversationEvent.MemberDevices;
import norc.server.conversation.api.ConversationEvent.Target;
import norc.server.conversation.api.ConversationReply;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.InboxEntries;
import norc.server.user.api.UserCommand;
import norc.server.storage.MessageBodies;
import norc.server.storage.SealedEvents;
import norc.server.storage.SharedCiphertext;
import norc.server.storage.StorageSeal;
import norc.wire.Codec;
import norc.error.ErrorCode;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationInfo;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.FileManifest;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageSend;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One group (sharded by the pseudonym of its conversation id, event-sourced): the serialising
 * point of groups profile A.5. Its {@link Membership} changes and its messages form one total
 * order, and each step is stored in every inbox it goes to by the group's {@link InboxFanout}, which
 * keeps that order in every inbox. Messages are pipelined (up to {@link #MAX_STEPS_UNDER_WAY} at
 * once, each answered when its copies are stored); a change waits for the messages before it and
 * runs alone, and what comes after it waits for it.
 *
 * <p>A change is journalled with its signed {@code membership_update} (A.4), the members' devices
 * it was decided on and the inboxes its copies go to: one tailored copy per device of the members
 * after the change, and once per departed user's device; the requesting device hears the answer
 * (with its {@code request_id}) once the copies are stored. A crash between journal and copies
 * stores them after recovery. A member's devices differing from those of the last change is a
 * server-made {@code devices_changed}, journalled and copied before the request that noticed it.
 * A message (A.5) is checked against the device set and copied to each device but the sender's,
 * each copy holding only its key; it is not journalled here (its copies are, in the inboxes).
 *
 * <p>A non-member, and any request for an unknown or deleted id, hears
 * {@link ConversationReply.NotAllowed} ({@code 2001}); the last member leaving deletes the group
 * and leaves a tombstone. A {@code request_id} seen in the last 7 days gets its answer again.
 * Its journal is sealed under a pseudonymous id; nothing here logs a member.
 */
public final class ConversationEntity
        extends EventSourcedBehavior<ConversationCommand, ConversationEvent, ConversationEntity.State> {

    /** How long a request id is remembered for replays (A.3: 7 d). */
    static final Duration REPLAY_WINDOW = Duration.ofDays(7);
    private static final Codec STORAGE = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
    private static final int MEMBERSHIP_UPDATE = InboxEntries.typeOf(MessageType.MEMBERSHIP_UPDATE);

    /**
     * What every group of a node shares: the server's identity (it signs every statement), the
     * limits, how long stored copies live, how long a message's copies may take, and how often an
     * inbox that did not answer is asked again.
     */
    public record Settings(String serverId, byte[] serverSecretKey, Membership.Limits limits, int maxCiphertext, Duration inboxTtl,
                           Duration commitTimeout, Duration retryEvery) {}

    /** A request already answered: who asked, when, and its signed statements. */
    record Replay(String requester, long at, List<WireMessage> statements) {}

    /** Copies journalled but not yet known to be stored: the statements and where each goes. */
    record Pending(List<WireMessage> statements, List<Target> targets) {}

    /**
     * {@code membership} null: no group (never created, or deleted when {@code tombstone}).
     * {@code devices}: the members' active devices the last change was decided on.
     */
    record State(Membership membership, boolean tombstone, Map<UUID, Replay> replays, Map<String, Set<UUID>> devices,
                 Pending pending) {
        static final State EMPTY = new State(null, false, Map.of(), Map.of(), null);
    }

    /** How many messages of one group may be on their way to the inboxes at once. */
    static final int MAX_STEPS_UNDER_WAY = 32;

    /** The outcome of one of this entity's steps (never leaves the node). */
    private record FanoutDone(InboxFanout.Outcome outcome) implements ConversationCommand, NoSerializationVerificationNeeded {}

    /** What to do when a step's copies are stored (or, for a message, when its time is up). */
    private interface AfterFanout {
        void done(InboxFanout.Outcome outcome);
    }

    private final ActorContext<ConversationCommand> context;
    private final UUID conversationId;
    private final SealedEvents<ConversationEvent> sealedEvents;
    private final Settings settings;
    private final Function<UUID, RecipientRef<DeviceCommand>> inboxes;
    private final MessageBodies bodies;
    private final StorageSeal seal;
    private final AuditLog audit;
    private final Function<String, RecipientRef<UserCommand>> users;
    private final ActorRef<InboxFanout.Outcome> fanoutDone;
    /** This incarnation's fan-out, started when recovery completes. */
    private ActorRef<InboxFanout.Command> fanout;
    private long steps;
    /** The steps under way, each with what to do when it ends. */
    private final Map<Long, AfterFanout> underWay = new HashMap<>();
    /** The change under way, or 0: while one is, every other command waits (stashed). */
    private long change;
    /** Commands wait in the stash: every later one waits behind them, so the group's order is the order they came in. */
    private boolean holding;

    private ConversationEntity(ActorContext<ConversationCommand> context, StorageSeal seal, UUID conversationId, Settings settings,
                               Function<UUID, RecipientRef<DeviceCommand>> inboxes, MessageBodies bodies, AuditLog audit,
                               Function<String, RecipientRef<UserCommand>> users) {
        super(seal.persistenceId(ConversationCommand.ENTITY_TYPE_KEY.name(), conversationId.toString()),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.context = context;
        this.sealedEvents = new SealedEvents<>(seal, context.getSystem(), persistenceId(), ConversationEvent.class);
        this.conversationId = conversationId;
        this.settings = settings;
        this.inboxes = inboxes;
        this.bodies = bodies;
        this.seal = seal;
        this.audit = audit;
        this.users = users;
        this.fanoutDone = context.messageAdapter(InboxFanout.Outcome.class, FanoutDone::new);
    }

    /** Sharding for groups on this node: each entity named by its conversation id's pseudonym, its inboxes the device entities. */
    public static void init(org.apache.pekko.actor.typed.ActorSystem<?> system, norc.server.ShardedEntities entities, StorageSeal seal,
                            Settings settings, MessageBodies bodies, AuditLog audit) {
        entities.sharding().init(org.apache.pekko.cluster.sharding.typed.javadsl.Entity.of(ConversationCommand.ENTITY_TYPE_KEY,
                entity -> create(seal, entities.conversationIdOf(entity.getEntityId()), settings, entities::device, bodies, audit,
                        entities::user)));
    }

    /**
     * Stored under a pseudonymous persistence id, its events sealed ({@link StorageSeal}): no
     * member list at rest in clear. {@code inboxes}: each device's entity; {@code audit}: where each
     * change is recorded (A.6: the change and version under the conversation's pseudonym);
     * {@code users}: each user's entity, told when the user joins or leaves the group.
     */
    public static Behavior<ConversationCommand> create(StorageSeal seal, UUID conversationId, Settings settings,
                                                       Function<UUID, RecipientRef<DeviceCommand>> inboxes, MessageBodies bodies,
                                                       AuditLog audit, Function<String, RecipientRef<UserCommand>> users) {
        return Behaviors.setup(context -> new ConversationEntity(context, seal, conversationId, settings, inboxes, bodies, audit, users));
    }

    @Override
    public EventAdapter<ConversationEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public State emptyState() {
        return State.EMPTY;
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
            startFanout();
            if (state.pending() != null) { // a crash came between a change's journal entry and its copies
                fanOut(state, copiesOf(state), Optional.empty(), this::copiesStoredAfterRecovery);
            }
        }).build();
    }

    @Override
    public CommandHandler<ConversationCommand, ConversationEvent, State> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onAnyCommand(this::onCommand);
    }

    /**
     * After a (re)start: a fresh fan-out, nothing under way (a step of the last incarnation is
     * asked again by its requester, or, for a change, copied again from the journal).
     */
    private void startFanout() {
        if (fanout != null && context.getChildren().contains(fanout)) {
            context.stop(fanout);
        }
        fanout = context.spawnAnonymous(InboxFanout.create(inboxes, bodies, settings.retryEvery(), fanoutDone));
        underWay.clear();
        change = 0;
        holding = false;
    }

    /**
     * Every command answers its asker (the reply effects below). A message starts at once beside
     * the messages under way; anything that changes the group waits (stashed) until none is, and
     * every command after a waiting one waits too. Each step's outcome unstashes the waiting ones.
     */
    private Effect<ConversationEvent, State> onCommand(State state, ConversationCommand command) {
        if (command instanceof FanoutDone done) {
            return onFanoutDone(state, done);
        }
        if (change != 0 || holding) {
            return hold();
        }
        if (command instanceof ConversationCommand.Send c) {
            return startsBesideOthers(state, c.devices()) ? onSend(state, c) : hold();
        }
        if (command instanceof ConversationCommand.ShareFile c) {
            return startsBesideOthers(state, c.devices()) ? onShareFile(state, c) : hold();
        }
        if (!underWay.isEmpty() && !(command instanceof ConversationCommand.Probe || command instanceof ConversationCommand.Members
                || command instanceof ConversationCommand.Snapshot)) {
            return hold(); // a change comes after the messages before it
        }
        if (command instanceof ConversationCommand.Create c) {
            return onCreate(state, c);
        }
        if (command instanceof ConversationCommand.Update c) {
            return onUpdate(state, c);
        }
        if (command instanceof ConversationCommand.Snapshot c) {
            return onSnapshot(state, c);
        }
        if (command instanceof ConversationCommand.UserDevices c) {
            if (!isMember(state, c.user()) || c.devices().equals(state.devices().getOrDefault(c.user(), Set.of()))) {
                return Effect().none();
            }
            Map<String, Set<UUID>> devices = new HashMap<>(state.devices());
            devices.put(c.user(), Set.copyOf(c.devices()));
            ReplyEffect<ConversationEvent, State> changed = devicesChangedFirst(state, devices, null);
            return changed != null ? changed : Effect().none();
        }
        if (command instanceof ConversationCommand.Probe c) {
            return Effect().reply(c.replyTo(), new ConversationReply.Membership(state.membership() != null || state.tombstone(),
                    isMember(state, c.user())));
        }
        if (command instanceof ConversationCommand.Members c) {
            return Effect().reply(c.replyTo(), !isMember(state, c.requester()) ? ConversationReply.NotAllowed.INSTANCE
                    : new ConversationReply.MemberList(state.membership().version(), List.copyOf(state.membership().members().keySet())));
        }
        return Effect().unhandled();
    }

    private Effect<ConversationEvent, State> hold() {
        holding = true;
        return Effect().stash();
    }

    /**
     * Whether a message may start now: nothing under way, or room for one more and no change of
     * devices to journal first (a change never runs beside another step).
     */
    private boolean startsBesideOthers(State state, Map<String, Set<UUID>> devices) {
        if (underWay.isEmpty()) {
            return true;
        }
        if (underWay.size() >= MAX_STEPS_UNDER_WAY || state.membership() == null) {
            return false;
        }
        return membersWithOtherDevices(state, devices).isEmpty();
    }

    // ---- changes -------------------------------------------------------------------------------

    private ReplyEffect<ConversationEvent, State> onCreate(State state, ConversationCommand.Create c) {
        ConversationCreate create = (ConversationCreate) c.request().decode();
        if (state.membership() != null || state.tombstone() || !create.conversationId().equals(conversationId)) {
            return replayOr(state, create.requestId(), c.actor(), c.replyTo());
        }
        Membership.Decision decision = Membership.create(create, c.actor(), c.actorDevice(), c.devices(), settings.limits(), nowMicros());
        return apply(state, decision, create.requestId(), c.actor(), c.actorDevice(), c.devices(), c.replyTo());
    }

    private ReplyEffect<ConversationEvent, State> onUpdate(State state, ConversationCommand.Update c) {
        ConversationUpdate update = (ConversationUpdate) c.request().decode();
        if (!isMember(state, c.actor())) {
            return replayOr(state, update.requestId(), c.actor(), c.replyTo()); // a member who just left may ask again
        }
        Replay seen = state.replays().get(update.requestId());
        if (seen != null && seen.requester().equals(c.actor())) {
            return Effect().reply(c.replyTo(), new ConversationReply.Applied(answer(seen.statements().get(0), update.requestId())));
        }
        if (!covers(c.devices(), state.membership().members().keySet()) || !covers(c.devices(), update.subjects())) {
            return Effect().reply(c.replyTo(), ConversationReply.Moved.INSTANCE);
        }
        ReplyEffect<ConversationEvent, State> devicesChanged = devicesChangedFirst(state, c.devices(), c);
        if (devicesChanged != null) {
            return devicesChanged;
        }
        Membership.Decision decision = state.membership().decide(update, c.actor(), c.actorDevice(), c.devices(), settings.limits(),
                settings.serverId(), nowMicros());
        return apply(state, decision, update.requestId(), c.actor(), c.actorDevice(), c.devices(), c.replyTo());
    }

    private ReplyEffect<ConversationEvent, State> onSnapshot(State state, ConversationCommand.Snapshot c) {
        if (!isMember(state, c.requester())) {
            return Effect().reply(c.replyTo(), ConversationReply.NotAllowed.INSTANCE);
        }
        Membership m = state.membership();
        MembershipUpdate snapshot = sign(m.snapshot(settings.serverId(), nowMicros()), m);
        return Effect().reply(c.replyTo(), new ConversationReply.Applied(
                WireMessage.of(tailor(snapshot, Optional.of(c.requestId()), true, c.requesterDevice(), m))));
    }

    private ReplyEffect<ConversationEvent, State> apply(State state, Membership.Decision decision, UUID requestId, String actor,
                                                        UUID actorDevice, Map<String, Set<UUID>> devices,
                                                        ActorRef<ConversationReply> replyTo) {
        if (decision instanceof Membership.Refused refused) {
            return Effect().reply(replyTo, new ConversationReply.Refused(refused.refusal().code().code(), refused.refusal().details()));
        }
        long now = System.currentTimeMillis();
        if (decision instanceof Membership.KeysAdded added) {
            Membership after = added.after();
            Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>();
            added.devices().forEach(d -> keys.put(d, after.info().keys().get(d)));
            WireMessage snapshot = WireMessage.of(sign(after.snapshot(settings.serverId(), nowMicros()), after));
            List<Target> targets = new ArrayList<>();
            for (UUID device : added.devices()) { // those that got a key get a (stored) snapshot
                if (!device.equals(actorDevice)) {
                    targets.add(new Target(device, 0, true));
                }
            }
            WireMessage answer = WireMessage.of(tailor((MembershipUpdate) snapshot.decode(), Optional.of(requestId), true, actorDevice,
                    after));
            return Effect().persist(new ConversationEvent.InfoKeysAdded(keys, requestId, actor, now, snapshot, List.copyOf(targets)))
                    .thenRun(s -> fanOut(s, copiesOf(s), Optional.empty(), outcome -> replyTo.tell(new ConversationReply.Applied(answer))))
                    .thenNoReply();
        }
        Membership.Change change = ((Membership.Changed) decision).change();
        List<WireMessage> statements = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        WireMessage answer = null;
        Membership last = null;
        for (Membership.Change step = change; step != null; step = step.followUp().orElse(null)) {
            MembershipUpdate signed = sign(step.statement(), step.after());
            targets.addAll(targets(statements.size(), signed, step, actorDevice, devices));
            statements.add(WireMessage.of(signed));
            if (answer == null) {
                answer = WireMessage.of(tailor(signed, Optional.of(requestId), signed.change() == MembershipChange.CREATED, actorDevice,
                        step.after()));
            }
            last = step.after();
        }
        WireMessage reply = answer;
        return persistChange(last, devices, statements, targets, requestId, actor, now,
                outcome -> replyTo.tell(new ConversationReply.Applied(reply)));
    }

    /**
     * When the members' active devices differ from those of the last change, the server's
     * {@code devices_changed} comes first: journalled, copied to every device of the group after
     * it (the new devices' copies carry the members, A.4), and then {@code retry} (if any) is
     * handled again. Null when nothing changed.
     */
    private ReplyEffect<ConversationEvent, State> devicesChangedFirst(State state, Map<String, Set<UUID>> devices,
                                                                      ConversationCommand retry) {
        Membership m = state.membership();
        List<String> changed = membersWithOtherDevices(state, devices);
        if (changed.isEmpty()) {
            return null;
        }
        Set<UUID> all = Membership.deviceSet(m.members().keySet(), devices);
        Membership.Change change = m.devicesChanged(changed, all, settings.serverId(), nowMicros());
        MembershipUpdate signed = sign(change.statement(), change.after());
        List<Target> targets = targets(0, signed, change, null, devices);
        return persistChange(change.after(), devices, List.of(WireMessage.of(signed)), targets, UUID.randomUUID(), settings.serverId(),
                System.currentTimeMillis(), outcome -> {
                    if (retry != null) {
                        context.getSelf().tell(retry);
                    }
                });
    }

    /** The members whose active devices in {@code devices} differ from those the last change was decided on. */
    private static List<String> membersWithOtherDevices(State state, Map<String, Set<UUID>> devices) {
        List<String> changed = new ArrayList<>();
        for (String user : state.membership().members().keySet()) {
            if (!devices.getOrDefault(user, Set.of()).equals(state.devices().getOrDefault(user, Set.of()))) {
                changed.add(user);
            }
        }
        return changed;
    }

    private ReplyEffect<ConversationEvent, State> persistChange(Membership after, Map<String, Set<UUID>> devices,
                                                                List<WireMessage> statements, List<Target> targets, UUID requestId,
                                                                String actor, long now, AfterFanout then) {
        Membership kept = after.keepingKeysOf(Membership.deviceSet(after.members().keySet(), devices));
        List<Member> members = new ArrayList<>();
        kept.members().forEach((user, role) -> members.add(new Member(user, role)));
        List<MemberDevices> memberDevices = new ArrayList<>();
        for (String user : kept.members().keySet()) {
            memberDevices.add(new MemberDevices(user, List.copyOf(devices.getOrDefault(user, Set.of()))));
        }
        return Effect().persist(new ConversationEvent.MembershipChanged(kept.version(), members, kept.info(), statements, requestId,
                        actor, now, memberDevices, List.copyOf(targets)))
                .thenRun(s -> statements.forEach(this::audited))
                .thenRun(s -> statements.forEach(this::toldToUsers))
                .thenRun(s -> fanOut(s, copiesOf(s), Optional.empty(), then))
                .thenNoReply();
    }

    /** Where one signed statement goes: every member's device after the step and the departed users' (the requester's excepted). */
    private static List<Target> targets(int statement, MembershipUpdate signed, Membership.Change step, UUID actorDevice,
                                        Map<String, Set<UUID>> devices) {
        List<Target> targets = new ArrayList<>();
        boolean everyoneGetsMembers = signed.change() == MembershipChange.CREATED;
        for (String user : step.after().members().keySet()) {
            boolean full = everyoneGetsMembers
                    || (signed.subjects().contains(user)
                    && (signed.change() == MembershipChange.ADDED || signed.change() == MembershipChange.DEVICES_CHANGED));
            for (UUID device : devices.getOrDefault(user, Set.of())) {
                if (!device.equals(actorDevice)) {
                    targets.add(new Target(device, statement, full));
                }
            }
        }
        for (String user : step.departed()) { // once, without members or info
            for (UUID device : devices.getOrDefault(user, Set.of())) {
                if (!device.equals(actorDevice)) {
                    targets.add(new Target(device, statement, false));
                }
            }
        }
        return targets;
    }

    // ---- messages (A.5) ------------------------------------------------------------------------

    private Effect<ConversationEvent, State> onSend(State state, ConversationCommand.Send c) {
        if (!isMember(state, c.sender())) {
            return Effect().reply(c.replyTo(), ConversationReply.NotAllowed.INSTANCE);
        }
        Membership m = state.membership();
        if (!covers(c.devices(), m.members().keySet())) {
            return Effect().reply(c.replyTo(), ConversationReply.Moved.INSTANCE);
        }
        MessageSend message = (MessageSend) c.message().decode();
        Map<String, String> named = Map.of("message_id", message.messageId().toString());
        if (!message.recipients().isEmpty()) {
            return Effect().reply(c.replyTo(), new ConversationReply.Refused(ErrorCode.INVALID_FIELD.code(), named));
        }
        if (message.ciphertext().length > settings.maxCiphertext()) {
            return Effect().reply(c.replyTo(), new ConversationReply.Refused(ErrorCode.LIMIT_EXCEEDED.code(),
                    Map.of("message_id", message.messageId().toString(), "limit", "max_group_ciphertext")));
        }
        ReplyEffect<ConversationEvent, State> devicesChanged = devicesChangedFirst(state, c.devices(), c);
        if (devicesChanged != null) {
            return devicesChanged;
        }
        // the ciphertext once, for every copy: each inbox stores its copy without it
        InboxFanout.SharedBody body = new InboxFanout.SharedBody(SharedCiphertext.keyOf(seal, conversationId, message.messageId()),
                SharedCiphertext.at(message), message.ciphertext());
        return copyToEveryDevice(state, message.messageId(), "message_id", message.keys().keySet(), c.senderDevice(), c.expiresAt(),
                InboxEntries.MESSAGE_SEND, device -> SharedCiphertext.strip(copyFor(message, device, c.sender(), c.senderDevice())).payload(),
                body, c.replyTo());
    }

    /** A sealed file's manifest to the group (B.2): checked and copied like a message. */
    private Effect<ConversationEvent, State> onShareFile(State state, ConversationCommand.ShareFile c) {
        if (!isMember(state, c.sender())) {
            return Effect().reply(c.replyTo(), ConversationReply.NotAllowed.INSTANCE);
        }
        if (!covers(c.devices(), state.membership().members().keySet())) {
            return Effect().reply(c.replyTo(), ConversationReply.Moved.INSTANCE);
        }
        ReplyEffect<ConversationEvent, State> devicesChanged = devicesChangedFirst(state, c.devices(), c);
        if (devicesChanged != null) {
            return devicesChanged;
        }
        FileManifest manifest = (FileManifest) c.manifest().decode();
        return copyToEveryDevice(state, manifest.fileId(), "file_id", manifest.keys().keySet(), c.senderDevice(), c.expiresAt(),
                InboxEntries.typeOf(MessageType.FILE_MANIFEST), device -> STORAGE.encodePayload(new FileManifest(manifest.fileId(),
                        manifest.conversationId(), manifest.encryptedManifest(), Map.of(device, manifest.keys().get(device)),
                        manifest.chunkCount(), manifest.paddedSize())), null, c.replyTo());
    }

    /**
     * A.5 for one message or manifest {@code id}: its key set must be the group's devices but the
     * sender's ({@code 3013} otherwise, nothing stored), then one copy per device in the group's order.
     */
    private Effect<ConversationEvent, State> copyToEveryDevice(State state, UUID id, String idName, Set<UUID> keyed, UUID senderDevice,
                                                              long expiresAt, int type, Function<UUID, byte[]> copyFor,
                                                              InboxFanout.SharedBody body, ActorRef<ConversationReply> replyTo) {
        Membership m = state.membership();
        Map<String, String> named = Map.of(idName, id.toString());
        Set<UUID> expected = Membership.deviceSet(m.members().keySet(), state.devices());
        expected.remove(senderDevice);
        if (!keyed.equals(expected)) {
            Map<String, String> details = new LinkedHashMap<>(named);
            details.putAll(staleDetails(keyed, senderDevice, m, state.devices()));
            return Effect().reply(replyTo, new ConversationReply.Refused(ErrorCode.MEMBERSHIP_CHANGED.code(), details));
        }
        List<InboxFanout.Copy> copies = new ArrayList<>();
        for (UUID device : expected) {
            copies.add(new InboxFanout.Copy(device, id, type, copyFor.apply(device), senderDevice));
        }
        AfterFanout reply = outcome -> replyTo.tell(
                outcome.complete() && !outcome.inboxFull() ? new ConversationReply.Sent(id)
                        : outcome.inboxFull() ? new ConversationReply.Refused(ErrorCode.RATE_LIMITED.code(), named, 60)
                        : new ConversationReply.Refused(ErrorCode.UNAVAILABLE.code(), named));
        fanOut(copies, expiresAt, Optional.of(settings.commitTimeout()), body, reply);
        return Effect().none();
    }

    /** {@code 3013} for a member (A.5): the version now and the members whose devices the key map misses or adds (≤ 64). */
    private static Map<String, String> staleDetails(Set<UUID> named, UUID senderDevice, Membership m, Map<String, Set<UUID>> devices) {
        Set<UUID> known = Membership.deviceSet(m.members().keySet(), devices);
        List<String> stale = new ArrayList<>();
        boolean extra = named.stream().anyMatch(d -> !known.contains(d) || d.equals(senderDevice));
        for (String user : m.sortedMembers().keySet()) {
            Set<UUID> own = devices.getOrDefault(user, Set.of());
            boolean missing = own.stream().anyMatch(d -> !named.contains(d) && !d.equals(senderDevice));
            if ((missing || extra) && stale.size() < 64) {
                stale.add(user); // an extra device cannot be told apart by owner: then every member is named
            }
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("membership_version", Long.toString(m.version()));
        details.put("stale_users", String.join("\n", stale));
        return details;
    }

    /** The recipient device's copy: the server stamps the sender and keeps only that device's key (as for 1:1). */
    private static MessageSend copyFor(MessageSend message, UUID device, String senderUser, UUID senderDevice) {
        return new MessageSend(message.messageId(), message.conversationId(), message.recipients(), message.metadata(),
                message.e2eSequence(), message.e2ePrevHash(), message.ciphertext(), Map.of(device, message.keys().get(device)),
                message.senderSignature(), Optional.of(senderUser), Optional.of(senderDevice));
    }

    // ---- fan-out -------------------------------------------------------------------------------

    /** A change's copies: every other command waits until they are stored. */
    private void fanOut(State state, List<InboxFanout.Copy> copies, Optional<Duration> deadline, AfterFanout then) {
        change = fanOut(copies, System.currentTimeMillis() + settings.inboxTtl().toMillis(), deadline, null, then);
    }

    /** Starts storing one step's copies; {@link FanoutDone} says when they are. */
    private long fanOut(List<InboxFanout.Copy> copies, long expiresAt, Optional<Duration> deadline, InboxFanout.SharedBody body,
                        AfterFanout then) {
        long step = ++steps;
        underWay.put(step, then);
        fanout.tell(new InboxFanout.Step(step, copies, body, expiresAt, deadline));
        return step;
    }

    private Effect<ConversationEvent, State> onFanoutDone(State state, FanoutDone done) {
        long step = done.outcome().step();
        AfterFanout then = underWay.remove(step);
        if (then == null) {
            return Effect().noReply(); // a step of an earlier incarnation's fan-out
        }
        boolean waiting = holding;
        holding = false;
        if (step != change) { // a message's
            then.done(done.outcome());
            return waiting ? Effect().unstashAll() : Effect().none();
        }
        change = 0;
        if (state.pending() == null) {
            then.done(done.outcome());
            return Effect().unstashAll();
        }
        return Effect().persist(new ConversationEvent.CopiesStored(state.membership() == null ? 0 : state.membership().version()))
                .thenRun(s -> then.done(done.outcome()))
                .thenUnstashAll();
    }

    private void copiesStoredAfterRecovery(InboxFanout.Outcome outcome) {
        // nobody waits for them: the requester asked again, or hears its answer on its next try
    }

    /** The pending step's copies: each target's statement, tailored for its device. */
    private List<InboxFanout.Copy> copiesOf(State state) {
        List<InboxFanout.Copy> copies = new ArrayList<>();
        if (state.pending() == null) {
            return copies; // nobody but the requester to tell
        }
        for (Target target : state.pending().targets()) {
            MembershipUpdate statement = (MembershipUpdate) state.pending().statements().get(target.statement()).decode();
            MembershipUpdate copy = tailor(statement, Optional.empty(), target.full(), target.device(), state.membership());
            copies.add(new InboxFanout.Copy(target.device(), statement.updateId(), MEMBERSHIP_UPDATE, STORAGE.encodePayload(copy), null));
        }
        return copies;
    }

    // ---- statements ----------------------------------------------------------------------------

    /** The users who joined or left with a statement hear so (their entities keep their groups). */
    private void toldToUsers(WireMessage statement) {
        MembershipUpdate u = (MembershipUpdate) statement.decode();
        switch (u.change()) {
            case CREATED -> {
                users.apply(u.actor()).tell(new UserCommand.InGroup(conversationId, true));
                u.subjects().forEach(user -> users.apply(user).tell(new UserCommand.InGroup(conversationId, true)));
            }
            case ADDED -> u.subjects().forEach(user -> users.apply(user).tell(new UserCommand.InGroup(conversationId, true)));
            case REMOVED, LEFT -> u.subjects().forEach(user -> users.apply(user).tell(new UserCommand.InGroup(conversationId, false)));
            default -> { }
        }
    }

    /** A.6: the change and its version, under the conversation's pseudonym (the audit log's); never who. */
    private void audited(WireMessage statement) {
        MembershipUpdate u = (MembershipUpdate) statement.decode();
        audit.record(AuditEvent.of(AuditKinds.GROUP_CHANGE).with("change", u.change().wireName())
                .with("version", Long.toString(u.membershipVersion())).conversation(conversationId));
    }

    /**
     * One device's copy: {@code members} and its own {@code info} entry where the profile puts them
     * (A.4, F.2); none of them once the group is gone ({@code m} null).
     */
    private static MembershipUpdate tailor(MembershipUpdate signed, Optional<UUID> requestId, boolean withMembers, UUID device,
                                           Membership m) {
        boolean present = m != null && !m.members().isEmpty();
        boolean withInfo = withMembers || signed.change() == MembershipChange.INFO_CHANGED;
        Optional<ConversationInfo> info = withInfo && present ? Optional.of(m.infoFor(device)) : Optional.empty();
        Optional<Map<String, Role>> members = withMembers && present ? Optional.of(m.sortedMembers()) : Optional.empty();
        return new MembershipUpdate(signed.conversationId(), signed.updateId(), requestId, signed.membershipVersion(), signed.change(),
                signed.actor(), signed.subjects(), signed.role(), signed.membersHash(), members, info, signed.issuedAt(),
                signed.serverSignature());
    }

    private MembershipUpdate sign(MembershipUpdate unsigned, Membership m) {
        return MembershipStatement.sign(settings.serverSecretKey(), unsigned, m.infoHash());
    }

    private static WireMessage answer(WireMessage statement, UUID requestId) {
        MembershipUpdate u = (MembershipUpdate) statement.decode();
        return WireMessage.of(new MembershipUpdate(u.conversationId(), u.updateId(), Optional.of(requestId), u.membershipVersion(),
                u.change(), u.actor(), u.subjects(), u.role(), u.membersHash(), Optional.empty(), Optional.empty(), u.issuedAt(),
                u.serverSignature()));
    }

    /** A repeated request of its requester gets its first statement again; anything else is 2001. */
    private ReplyEffect<ConversationEvent, State> replayOr(State state, UUID requestId, String requester,
                                                           ActorRef<ConversationReply> replyTo) {
        Replay seen = state.replays().get(requestId);
        if (seen != null && seen.requester().equals(requester)) {
            return Effect().reply(replyTo, new ConversationReply.Applied(answer(seen.statements().get(0), requestId)));
        }
        return Effect().reply(replyTo, ConversationReply.NotAllowed.INSTANCE);
    }

    private static boolean isMember(State state, String user) {
        return state.membership() != null && state.membership().isMember(user);
    }

    private static boolean covers(Map<String, Set<UUID>> devices, Iterable<String> users) {
        for (String user : users) {
            if (!devices.containsKey(user)) {
                return false;
            }
        }
        return true;
    }

    // ---- journal -------------------------------------------------------------------------------

    @Override
    public EventHandler<State, ConversationEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(ConversationEvent.MembershipChanged.class, (state, e) -> {
                    Map<UUID, Replay> replays = recent(state.replays(), e.at());
                    replays.put(e.requestId(), new Replay(e.requester(), e.at(), e.statements()));
                    Pending pending = e.targets() == null || e.targets().isEmpty() ? null : new Pending(e.statements(), e.targets());
                    Map<String, Set<UUID>> devices = new HashMap<>();
                    if (e.devices() != null) {
                        e.devices().forEach(d -> devices.put(d.user(), Set.copyOf(d.devices())));
                    }
                    if (e.members().isEmpty()) { // the last member left: a tombstone, forever
                        return new State(null, true, Map.copyOf(replays), Map.of(), pending);
                    }
                    Map<String, Role> members = new LinkedHashMap<>();
                    e.members().forEach(m -> members.put(m.user(), m.role()));
                    return new State(Membership.of(conversationId, e.version(), members, e.info()), false, Map.copyOf(replays),
                            Map.copyOf(devices), pending);
                })
                .onEvent(ConversationEvent.InfoKeysAdded.class, (state, e) -> {
                    Membership m = state.membership();
                    Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>(m.info().keys());
                    keys.putAll(e.keys());
                    ConversationInfo info = new ConversationInfo(m.info().infoId(), m.info().authorUserId(), m.info().authorDeviceId(),
                            m.info().ciphertext(), keys, m.info().signature());
                    Pending pending = e.snapshot() == null || e.targets() == null || e.targets().isEmpty() ? null
                            : new Pending(List.of(e.snapshot()), e.targets());
                    return new State(Membership.of(conversationId, m.version(), m.members(), info), false, state.replays(),
                            state.devices(), pending);
                })
                .onEvent(ConversationEvent.CopiesStored.class, (state, e) ->
                        new State(state.membership(), state.tombstone(), state.replays(), state.devices(), null))
                .build();
    }

    private static Map<UUID, Replay> recent(Map<UUID, Replay> replays, long now) {
        Map<UUID, Replay> kept = new HashMap<>();
        replays.forEach((id, r) -> {
            if (r.at() >= now - REPLAY_WINDOW.toMillis()) {
                kept.put(id, r);
            }
        });
        return kept;
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
