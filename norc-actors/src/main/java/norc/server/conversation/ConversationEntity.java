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
import norc.groups.MembershipStatement;
import norc.server.contract.WireMessage;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationEvent;
import norc.server.conversation.api.ConversationEvent.Member;
import norc.server.conversation.api.ConversationReply;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationInfo;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.MembershipUpdate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One group (sharded by conversation id, event-sourced): its {@link Membership}, in one total
 * order of changes, each journalled with its signed {@code membership_update} (groups profile
 * A.4) before anyone hears of it. It answers with one tailored copy per device to reach: every
 * device of the members after the change, and once the departed users' devices; the requesting
 * device gets the answer (with its {@code request_id}) instead. A non-member, and any request for
 * an unknown or deleted id, hears {@link ConversationReply.NotAllowed} ({@code 2001}); the last
 * member leaving deletes the group and leaves a tombstone. A {@code request_id} seen in the last
 * 7 days gets its statements again. Its journal is sealed under a pseudonymous id. Not yet
 * sharded or wired to connections (see ARCHITECTURE.md).
 */
public final class ConversationEntity
        extends EventSourcedBehaviorWithEnforcedReplies<ConversationCommand, ConversationEvent, ConversationEntity.State> {

    /** How long a request id is remembered for replays (A.3: 7 d). */
    static final Duration REPLAY_WINDOW = Duration.ofDays(7);

    /** A request already answered: who asked, when, and its signed statements. */
    record Replay(String requester, long at, List<WireMessage> statements) {}

    /** {@code membership} null: no group (never created, or deleted when {@code tombstone}). */
    record State(Membership membership, boolean tombstone, Map<UUID, Replay> replays) {
        static final State EMPTY = new State(null, false, Map.of());
    }

    private final UUID conversationId;
    private final SealedEvents<ConversationEvent> sealedEvents;
    private final String serverId;
    private final byte[] serverSecretKey;
    private final Membership.Limits limits;

    private ConversationEntity(ActorSystem<?> system, StorageSeal seal, UUID conversationId, String serverId, byte[] serverSecretKey,
                               Membership.Limits limits) {
        super(seal.persistenceId(ConversationCommand.ENTITY_TYPE_KEY.name(), conversationId.toString()),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.sealedEvents = new SealedEvents<>(seal, system, persistenceId(), ConversationEvent.class);
        this.conversationId = conversationId;
        this.serverId = serverId;
        this.serverSecretKey = serverSecretKey;
        this.limits = limits;
    }

    /** Stored under a pseudonymous persistence id, its events sealed ({@link StorageSeal}): no member list at rest in clear. */
    public static Behavior<ConversationCommand> create(ActorSystem<?> system, StorageSeal seal, UUID conversationId, String serverId,
                                                       byte[] serverSecretKey, Membership.Limits limits) {
        return new ConversationEntity(system, seal, conversationId, serverId, serverSecretKey, limits);
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
    public CommandHandlerWithReply<ConversationCommand, ConversationEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(ConversationCommand.Create.class, this::onCreate)
                .onCommand(ConversationCommand.Update.class, this::onUpdate)
                .onCommand(ConversationCommand.Snapshot.class, this::onSnapshot)
                .onCommand(ConversationCommand.Members.class, (state, c) -> Effect().reply(c.replyTo(),
                        !isMember(state, c.requester()) ? ConversationReply.NotAllowed.INSTANCE
                                : new ConversationReply.MemberList(state.membership().version(),
                                List.copyOf(state.membership().members().keySet()))))
                .build();
    }

    private ReplyEffect<ConversationEvent, State> onCreate(State state, ConversationCommand.Create c) {
        ConversationCreate create = (ConversationCreate) c.request().decode();
        if (state.membership() != null || state.tombstone() || !create.conversationId().equals(conversationId)) {
            return replayOr(state, create.requestId(), c.actor(), c.replyTo());
        }
        Membership.Decision decision = Membership.create(create, c.actor(), c.actorDevice(), c.devices(), limits, nowMicros());
        return apply(state, decision, create.requestId(), c.actor(), c.actorDevice(), c.devices(), c.replyTo());
    }

    private ReplyEffect<ConversationEvent, State> onUpdate(State state, ConversationCommand.Update c) {
        ConversationUpdate update = (ConversationUpdate) c.request().decode();
        if (!isMember(state, c.actor())) {
            return replayOr(state, update.requestId(), c.actor(), c.replyTo()); // a member who just left may ask again
        }
        Replay seen = state.replays().get(update.requestId());
        if (seen != null && seen.requester().equals(c.actor())) {
            return Effect().reply(c.replyTo(), new ConversationReply.Applied(answer(seen.statements().get(0), update.requestId()), List.of()));
        }
        Membership.Decision decision = state.membership().decide(update, c.actor(), c.actorDevice(), c.devices(), limits, serverId,
                nowMicros());
        return apply(state, decision, update.requestId(), c.actor(), c.actorDevice(), c.devices(), c.replyTo());
    }

    private ReplyEffect<ConversationEvent, State> onSnapshot(State state, ConversationCommand.Snapshot c) {
        if (!isMember(state, c.requester())) {
            return Effect().reply(c.replyTo(), ConversationReply.NotAllowed.INSTANCE);
        }
        Membership m = state.membership();
        MembershipUpdate snapshot = sign(m.snapshot(serverId, nowMicros()), m);
        return Effect().reply(c.replyTo(), new ConversationReply.Applied(
                WireMessage.of(tailor(snapshot, Optional.of(c.requestId()), true, c.requesterDevice(), m)), List.of()));
    }

    private ReplyEffect<ConversationEvent, State> apply(State state, Membership.Decision decision, UUID requestId, String actor,
                                                        UUID actorDevice, Map<String, Set<UUID>> devices,
                                                        org.apache.pekko.actor.typed.ActorRef<ConversationReply> replyTo) {
        if (decision instanceof Membership.Refused refused) {
            return Effect().reply(replyTo, new ConversationReply.Refused(refused.refusal().code().code(), refused.refusal().details()));
        }
        long now = System.currentTimeMillis();
        if (decision instanceof Membership.KeysAdded added) {
            Membership after = added.after();
            Map<UUID, norc.wire.message.MessageSend.WrappedKey> keys = new LinkedHashMap<>();
            added.devices().forEach(d -> keys.put(d, after.info().keys().get(d)));
            MembershipUpdate snapshot = sign(after.snapshot(serverId, nowMicros()), after);
            List<ConversationReply.Copy> copies = new ArrayList<>();
            for (UUID device : added.devices()) { // those that got a key get a (stored) snapshot
                if (!device.equals(actorDevice)) {
                    copies.add(new ConversationReply.Copy(device, WireMessage.of(tailor(snapshot, Optional.empty(), true, device, after))));
                }
            }
            WireMessage answer = WireMessage.of(tailor(snapshot, Optional.of(requestId), true, actorDevice, after));
            return Effect().persist(new ConversationEvent.InfoKeysAdded(keys, requestId, actor, now))
                    .thenReply(replyTo, s -> new ConversationReply.Applied(answer, copies));
        }
        Membership.Change change = ((Membership.Changed) decision).change();
        List<WireMessage> statements = new ArrayList<>();
        List<ConversationReply.Copy> copies = new ArrayList<>();
        WireMessage answer = null;
        Membership last = null;
        for (Membership.Change step = change; step != null; step = step.followUp().orElse(null)) {
            MembershipUpdate signed = sign(step.statement(), step.after());
            statements.add(WireMessage.of(signed));
            copies.addAll(copies(signed, step, actorDevice, devices));
            if (answer == null) {
                answer = WireMessage.of(tailor(signed, Optional.of(requestId), signed.change() == MembershipChange.CREATED, actorDevice,
                        step.after()));
            }
            last = step.after();
        }
        List<Member> members = new ArrayList<>();
        last.members().forEach((user, role) -> members.add(new Member(user, role)));
        WireMessage reply = answer;
        return Effect().persist(new ConversationEvent.MembershipChanged(last.version(), members, last.info(), statements, requestId,
                        actor, now))
                .thenReply(replyTo, s -> new ConversationReply.Applied(reply, copies));
    }

    /** Every device's copy of one signed statement, the requesting device's excepted. */
    private List<ConversationReply.Copy> copies(MembershipUpdate signed, Membership.Change step, UUID actorDevice,
                                                Map<String, Set<UUID>> devices) {
        List<ConversationReply.Copy> copies = new ArrayList<>();
        Membership after = step.after();
        boolean everyoneGetsMembers = signed.change() == MembershipChange.CREATED;
        for (String user : after.members().keySet()) {
            boolean withMembers = everyoneGetsMembers
                    || (signed.subjects().contains(user)
                    && (signed.change() == MembershipChange.ADDED || signed.change() == MembershipChange.DEVICES_CHANGED));
            for (UUID device : devices.getOrDefault(user, Set.of())) {
                if (!device.equals(actorDevice)) {
                    copies.add(new ConversationReply.Copy(device, WireMessage.of(tailor(signed, Optional.empty(), withMembers, device, after))));
                }
            }
        }
        for (String user : step.departed()) { // once, without members or info
            for (UUID device : devices.getOrDefault(user, Set.of())) {
                if (!device.equals(actorDevice)) {
                    copies.add(new ConversationReply.Copy(device, WireMessage.of(tailor(signed, Optional.empty(), false, device, after))));
                }
            }
        }
        return copies;
    }

    /** One device's copy: {@code members} and its own {@code info} entry where the profile puts them (A.4, F.2). */
    private static MembershipUpdate tailor(MembershipUpdate signed, Optional<UUID> requestId, boolean withMembers, UUID device,
                                           Membership m) {
        boolean withInfo = withMembers || signed.change() == MembershipChange.INFO_CHANGED;
        Optional<ConversationInfo> info = withInfo && !m.members().isEmpty() ? Optional.of(m.infoFor(device)) : Optional.empty();
        Optional<Map<String, Role>> members = withMembers && !m.members().isEmpty() ? Optional.of(m.sortedMembers()) : Optional.empty();
        return new MembershipUpdate(signed.conversationId(), signed.updateId(), requestId, signed.membershipVersion(), signed.change(),
                signed.actor(), signed.subjects(), signed.role(), signed.membersHash(), members, info, signed.issuedAt(),
                signed.serverSignature());
    }

    private MembershipUpdate sign(MembershipUpdate unsigned, Membership m) {
        return MembershipStatement.sign(serverSecretKey, unsigned, m.infoHash());
    }

    private static WireMessage answer(WireMessage statement, UUID requestId) {
        MembershipUpdate u = (MembershipUpdate) statement.decode();
        return WireMessage.of(new MembershipUpdate(u.conversationId(), u.updateId(), Optional.of(requestId), u.membershipVersion(),
                u.change(), u.actor(), u.subjects(), u.role(), u.membersHash(), Optional.empty(), Optional.empty(), u.issuedAt(),
                u.serverSignature()));
    }

    /** A repeated request of its requester gets its first statement again; anything else is 2001. */
    private ReplyEffect<ConversationEvent, State> replayOr(State state, UUID requestId, String requester,
                                                           org.apache.pekko.actor.typed.ActorRef<ConversationReply> replyTo) {
        Replay seen = state.replays().get(requestId);
        if (seen != null && seen.requester().equals(requester)) {
            return Effect().reply(replyTo, new ConversationReply.Applied(answer(seen.statements().get(0), requestId), List.of()));
        }
        return Effect().reply(replyTo, ConversationReply.NotAllowed.INSTANCE);
    }

    private static boolean isMember(State state, String user) {
        return state.membership() != null && state.membership().isMember(user);
    }

    @Override
    public EventHandler<State, ConversationEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(ConversationEvent.MembershipChanged.class, (state, e) -> {
                    Map<UUID, Replay> replays = recent(state.replays(), e.at());
                    replays.put(e.requestId(), new Replay(e.requester(), e.at(), e.statements()));
                    if (e.members().isEmpty()) {
                        return new State(null, true, Map.copyOf(replays)); // the last member left: a tombstone, forever
                    }
                    Map<String, Role> members = new LinkedHashMap<>();
                    e.members().forEach(m -> members.put(m.user(), m.role()));
                    return new State(Membership.of(conversationId, e.version(), members, e.info()), false, Map.copyOf(replays));
                })
                .onEvent(ConversationEvent.InfoKeysAdded.class, (state, e) -> {
                    Membership m = state.membership();
                    Map<UUID, norc.wire.message.MessageSend.WrappedKey> keys = new LinkedHashMap<>(m.info().keys());
                    keys.putAll(e.keys());
                    ConversationInfo info = new ConversationInfo(m.info().infoId(), m.info().authorUserId(), m.info().authorDeviceId(),
                            m.info().ciphertext(), keys, m.info().signature());
                    return new State(Membership.of(conversationId, m.version(), m.members(), info), false, state.replays());
                })
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
