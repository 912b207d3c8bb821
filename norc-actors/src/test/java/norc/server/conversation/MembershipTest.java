package norc.server.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.groups.MembershipStatement;
import norc.server.conversation.Membership.Changed;
import norc.server.conversation.Membership.Decision;
import norc.server.conversation.Membership.KeysAdded;
import norc.server.conversation.Membership.Refused;
import norc.wire.message.Atoms.ConversationAction;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationInfo;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.Test;

/**
 * The membership rules of groups profile A.1/A.3/A.4, one row at a time: who may do what (2003),
 * what breaks an action's row (3014), exact device sets (3013 with the stale users), unavailable
 * subjects (2004), limits (3007), ordering (3009), versions, the owner's succession in join
 * order, and statements whose {@code members_hash} covers the map after the change.
 */
class MembershipTest {
    static final String SERVER = "a.example";
    static final String ALICE = "alice@a.example";
    static final String BOB = "bob@a.example";
    static final String CAROL = "carol@a.example";
    static final String DAVE = "dave@a.example";
    static final String ED = "ed@a.example";
    static final UUID ALICE_1 = UUID.randomUUID();
    static final UUID BOB_1 = UUID.randomUUID();
    static final UUID BOB_2 = UUID.randomUUID();
    static final UUID CAROL_1 = UUID.randomUUID();
    static final UUID DAVE_1 = UUID.randomUUID();
    static final UUID ED_1 = UUID.randomUUID();
    static final Map<String, Set<UUID>> DEVICES = Map.of(ALICE, Set.of(ALICE_1), BOB, Set.of(BOB_1, BOB_2),
            CAROL, Set.of(CAROL_1), DAVE, Set.of(DAVE_1), ED, Set.of(ED_1));
    static final Membership.Limits LIMITS = new Membership.Limits(6, 256);

    static MessageSend.WrappedKey key() {
        return new MessageSend.WrappedKey(new byte[32], new byte[48]);
    }

    static Map<UUID, MessageSend.WrappedKey> keys(UUID... devices) {
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>();
        for (UUID d : devices) {
            keys.put(d, key());
        }
        return keys;
    }

    static ConversationInfo info(String author, UUID device, UUID... keyed) {
        return new ConversationInfo(UUID.randomUUID(), author, device, new byte[272], keys(keyed), new byte[64]);
    }

    /** Alice (owner) created it with bob (admin) and carol (member): version 1. */
    static Membership group() {
        Map<String, InvitedRole> invited = new LinkedHashMap<>();
        invited.put(CAROL, InvitedRole.MEMBER);
        invited.put(BOB, InvitedRole.ADMIN);
        ConversationCreate create = new ConversationCreate(UUID.randomUUID(), UUID.randomUUID(), invited,
                info(ALICE, ALICE_1, ALICE_1, BOB_1, BOB_2, CAROL_1));
        return ((Changed) Membership.create(create, ALICE, ALICE_1, DEVICES, LIMITS, 1)).change().after();
    }

    static ConversationUpdate update(Membership m, ConversationAction action, List<String> subjects, Optional<Role> role,
                                     Optional<ConversationInfo> info, Map<UUID, MessageSend.WrappedKey> infoKeys) {
        return new ConversationUpdate(UUID.randomUUID(), m.conversationId(), m.version(), action, subjects, role, info, infoKeys);
    }

    static Decision by(Membership m, String actor, UUID device, ConversationUpdate u) {
        return m.decide(u, actor, device, DEVICES, LIMITS, SERVER, 2);
    }

    static ErrorCode refusal(Decision d) {
        assertThat(d).isInstanceOf(Refused.class);
        return ((Refused) d).refusal().code();
    }

    static Membership.Change change(Decision d) {
        assertThat(d).as(d.toString()).isInstanceOf(Changed.class);
        return ((Changed) d).change();
    }

    @Test
    void creationMakesVersionOneWithTheCreatorAsOwner() {
        Map<String, InvitedRole> invited = new LinkedHashMap<>();
        invited.put(CAROL, InvitedRole.MEMBER);
        invited.put(BOB, InvitedRole.ADMIN);
        UUID id = UUID.randomUUID();
        Membership.Change created = change(Membership.create(new ConversationCreate(UUID.randomUUID(), id, invited,
                info(ALICE, ALICE_1, ALICE_1, BOB_1, BOB_2, CAROL_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7));
        MembershipUpdate s = created.statement();
        assertThat(s.membershipVersion()).isEqualTo(1);
        assertThat(s.change()).isEqualTo(MembershipChange.CREATED);
        assertThat(s.actor()).isEqualTo(ALICE);
        assertThat(s.subjects()).containsExactly(BOB, CAROL); // F.1: invitees in encoded order, the creator left out
        assertThat(s.role()).isEmpty();
        assertThat(created.after().members()).containsExactly(Map.entry(ALICE, Role.OWNER), Map.entry(BOB, Role.ADMIN),
                Map.entry(CAROL, Role.MEMBER));
        assertThat(s.membersHash()).isEqualTo(MembershipStatement.membersHash(created.after().sortedMembers()));
        assertThat(created.after().sortedMembers().keySet()).containsExactly(BOB, ALICE, CAROL); // "bob@" is shorter

        // refusals: a non-v4 id, the creator invited, an invitee without devices, a key set that is not D(c), a foreign author
        assertThat(refusal(Membership.create(new ConversationCreate(UUID.randomUUID(), UUID.nameUUIDFromBytes(new byte[1]), invited,
                info(ALICE, ALICE_1, ALICE_1, BOB_1, BOB_2, CAROL_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7))).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(refusal(Membership.create(new ConversationCreate(UUID.randomUUID(), id, Map.of(ALICE, InvitedRole.MEMBER),
                info(ALICE, ALICE_1, ALICE_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7))).isEqualTo(ErrorCode.INVALID_CHANGE);
        Decision nobody = Membership.create(new ConversationCreate(UUID.randomUUID(), id, Map.of("zed@a.example", InvitedRole.MEMBER),
                info(ALICE, ALICE_1, ALICE_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7);
        assertThat(refusal(nobody)).isEqualTo(ErrorCode.MEMBER_UNAVAILABLE);
        assertThat(((Refused) nobody).refusal().details()).containsEntry("users", "zed@a.example");
        Decision missingBob2 = Membership.create(new ConversationCreate(UUID.randomUUID(), id, invited,
                info(ALICE, ALICE_1, ALICE_1, BOB_1, CAROL_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7);
        assertThat(refusal(missingBob2)).isEqualTo(ErrorCode.MEMBERSHIP_CHANGED);
        assertThat(((Refused) missingBob2).refusal().details()).containsEntry("stale_users", BOB);
        assertThat(refusal(Membership.create(new ConversationCreate(UUID.randomUUID(), id, invited,
                info(BOB, BOB_1, ALICE_1, BOB_1, BOB_2, CAROL_1)), ALICE, ALICE_1, DEVICES, LIMITS, 7))).isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void addingFollowsRolesRowsDeviceSetsAndLimits() {
        Membership m = group();
        Membership.Change added = change(by(m, BOB, BOB_1, update(m, ConversationAction.ADD, List.of(DAVE), Optional.of(Role.MEMBER),
                Optional.empty(), keys(DAVE_1))));
        assertThat(added.after().version()).isEqualTo(2);
        assertThat(added.statement().role()).hasValue(Role.MEMBER);
        assertThat(added.after().info().keys()).containsKey(DAVE_1);
        assertThat(added.after().members().keySet()).containsExactly(ALICE, BOB, CAROL, DAVE); // join order

        assertThat(refusal(by(m, BOB, BOB_1, update(m, ConversationAction.ADD, List.of(DAVE), Optional.of(Role.ADMIN),
                Optional.empty(), keys(DAVE_1))))).as("only the owner adds admins").isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(refusal(by(m, CAROL, CAROL_1, update(m, ConversationAction.ADD, List.of(DAVE), Optional.of(Role.MEMBER),
                Optional.empty(), keys(DAVE_1))))).as("a member does not add").isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.ADD, List.of(CAROL), Optional.of(Role.MEMBER),
                Optional.empty(), keys(CAROL_1))))).as("already a member").isEqualTo(ErrorCode.INVALID_CHANGE);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.ADD, List.of(DAVE), Optional.empty(),
                Optional.empty(), keys(DAVE_1))))).as("no role").isEqualTo(ErrorCode.INVALID_CHANGE);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.ADD, List.of(DAVE), Optional.of(Role.MEMBER),
                Optional.empty(), keys())))).as("no key for dave's device").isEqualTo(ErrorCode.MEMBERSHIP_CHANGED);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.ADD, List.of(DAVE, ED), Optional.of(Role.MEMBER),
                Optional.empty(), keys(DAVE_1, ED_1))))).as("subjects out of order").isEqualTo(ErrorCode.INVALID_FIELD);
        ConversationUpdate stale = new ConversationUpdate(UUID.randomUUID(), m.conversationId(), 7, ConversationAction.ADD,
                List.of(DAVE), Optional.of(Role.MEMBER), Optional.empty(), keys(DAVE_1));
        Decision old = by(m, ALICE, ALICE_1, stale);
        assertThat(refusal(old)).isEqualTo(ErrorCode.MEMBERSHIP_CHANGED);
        assertThat(((Refused) old).refusal().details()).containsEntry("membership_version", "1");
        Membership full = change(by(m, ALICE, ALICE_1, update(m, ConversationAction.ADD, List.of(ED, DAVE), Optional.of(Role.MEMBER),
                Optional.empty(), keys(DAVE_1, ED_1)))).after(); // "ed@" sorts first: shorter
        assertThat(full.members()).hasSize(5);
        assertThat(refusal(by(full, ALICE, ALICE_1, update(full, ConversationAction.ADD, List.of("fay@a.example", "gus@a.example"),
                Optional.of(Role.MEMBER), Optional.empty(), keys())))).as("past max_members").isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(refusal(by(m, DAVE, DAVE_1, update(m, ConversationAction.LEAVE, List.of(), Optional.empty(), Optional.empty(),
                keys())))).as("a non-member").isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void removingTakesRolesIntoAccount() {
        Membership m = group();
        Membership.Change removed = change(by(m, BOB, BOB_1, update(m, ConversationAction.REMOVE, List.of(CAROL), Optional.empty(),
                Optional.empty(), keys())));
        assertThat(removed.departed()).containsExactly(CAROL);
        assertThat(removed.after().members()).doesNotContainKey(CAROL);
        assertThat(refusal(by(m, BOB, BOB_1, update(m, ConversationAction.REMOVE, List.of(ALICE), Optional.empty(), Optional.empty(),
                keys())))).isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.REMOVE, List.of(ALICE), Optional.empty(), Optional.empty(),
                keys())))).as("not self").isEqualTo(ErrorCode.INVALID_CHANGE);
        assertThat(refusal(by(m, CAROL, CAROL_1, update(m, ConversationAction.REMOVE, List.of(BOB), Optional.empty(), Optional.empty(),
                keys())))).isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(change(by(m, ALICE, ALICE_1, update(m, ConversationAction.REMOVE, List.of(BOB), Optional.empty(), Optional.empty(),
                keys()))).after().members()).doesNotContainKey(BOB); // the owner removes admins
    }

    @Test
    void anOwnerLeavingHandsOwnershipToTheFirstAdminAndTheLastLeavingEmptiesTheGroup() {
        Membership m = group();
        Membership.Change left = change(by(m, ALICE, ALICE_1, update(m, ConversationAction.LEAVE, List.of(), Optional.empty(),
                Optional.empty(), keys())));
        assertThat(left.statement().subjects()).containsExactly(ALICE);
        assertThat(left.statement().membershipVersion()).isEqualTo(2);
        Membership.Change succession = left.followUp().orElseThrow();
        assertThat(succession.statement().change()).isEqualTo(MembershipChange.ROLE_CHANGED);
        assertThat(succession.statement().actor()).isEqualTo(SERVER);
        assertThat(succession.statement().subjects()).containsExactly(BOB);
        assertThat(succession.statement().membershipVersion()).isEqualTo(3);
        assertThat(succession.after().members()).containsEntry(BOB, Role.OWNER);

        Membership two = succession.after();
        Membership one = change(by(two, BOB, BOB_1, update(two, ConversationAction.LEAVE, List.of(), Optional.empty(), Optional.empty(),
                keys()))).followUp().orElseThrow().after(); // carol, the only one left, becomes owner
        assertThat(one.members()).containsExactly(Map.entry(CAROL, Role.OWNER));
        Membership.Change last = change(by(one, CAROL, CAROL_1, update(one, ConversationAction.LEAVE, List.of(), Optional.empty(),
                Optional.empty(), keys())));
        assertThat(last.after().members()).isEmpty();
        assertThat(last.followUp()).isEmpty();
    }

    @Test
    void onlyTheOwnerSetsRolesAndGivingOwnershipAwayMakesTheOldOwnerAdmin() {
        Membership m = group();
        Membership given = change(by(m, ALICE, ALICE_1, update(m, ConversationAction.SET_ROLE, List.of(CAROL), Optional.of(Role.OWNER),
                Optional.empty(), keys()))).after();
        assertThat(given.members()).containsEntry(CAROL, Role.OWNER).containsEntry(ALICE, Role.ADMIN);
        assertThat(refusal(by(m, BOB, BOB_1, update(m, ConversationAction.SET_ROLE, List.of(CAROL), Optional.of(Role.ADMIN),
                Optional.empty(), keys())))).isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(refusal(by(m, ALICE, ALICE_1, update(m, ConversationAction.SET_ROLE, List.of(BOB, CAROL), Optional.of(Role.ADMIN),
                Optional.empty(), keys())))).isEqualTo(ErrorCode.INVALID_CHANGE);
    }

    @Test
    void infoChangesNeedTheWholeDeviceSetAndKeysGoOnlyToDevicesWithoutOne() {
        Membership m = group();
        Membership.Change changed = change(by(m, BOB, BOB_2, update(m, ConversationAction.SET_INFO, List.of(), Optional.empty(),
                Optional.of(info(BOB, BOB_2, ALICE_1, BOB_1, BOB_2, CAROL_1)), keys())));
        assertThat(changed.statement().change()).isEqualTo(MembershipChange.INFO_CHANGED);
        assertThat(changed.after().info().authorUserId()).isEqualTo(BOB);
        assertThat(refusal(by(m, CAROL, CAROL_1, update(m, ConversationAction.SET_INFO, List.of(), Optional.empty(),
                Optional.of(info(CAROL, CAROL_1, ALICE_1, BOB_1, BOB_2, CAROL_1)), keys())))).isEqualTo(ErrorCode.ROLE_INSUFFICIENT);
        assertThat(refusal(by(m, BOB, BOB_1, update(m, ConversationAction.SET_INFO, List.of(), Optional.empty(),
                Optional.of(info(BOB, BOB_1, ALICE_1, BOB_1, CAROL_1)), keys())))).isEqualTo(ErrorCode.MEMBERSHIP_CHANGED);

        // carol's new device joins: any member with the key adds it, without a new version
        UUID carol2 = UUID.randomUUID();
        Map<String, Set<UUID>> now = new LinkedHashMap<>(DEVICES);
        now.put(CAROL, Set.of(CAROL_1, carol2));
        Decision added = m.decide(update(m, ConversationAction.ADD_INFO_KEYS, List.of(), Optional.empty(), Optional.empty(), keys(carol2)),
                CAROL, CAROL_1, now, LIMITS, SERVER, 3);
        assertThat(added).isInstanceOf(KeysAdded.class);
        assertThat(((KeysAdded) added).after().version()).isEqualTo(1);
        assertThat(((KeysAdded) added).after().info().keys()).containsKey(carol2);
        assertThat(refusal(m.decide(update(m, ConversationAction.ADD_INFO_KEYS, List.of(), Optional.empty(), Optional.empty(),
                keys(CAROL_1)), CAROL, CAROL_1, now, LIMITS, SERVER, 3))).as("it has one").isEqualTo(ErrorCode.INVALID_CHANGE);
        assertThat(refusal(m.decide(update(m, ConversationAction.ADD_INFO_KEYS, List.of(), Optional.empty(), Optional.empty(),
                keys(DAVE_1)), CAROL, CAROL_1, now, LIMITS, SERVER, 3))).as("not in D(c)").isEqualTo(ErrorCode.MEMBERSHIP_CHANGED);
        assertThat(m.infoFor(CAROL_1).keys()).containsOnlyKeys(CAROL_1);
    }
}
