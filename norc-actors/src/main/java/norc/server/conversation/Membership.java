package norc.server.conversation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.groups.ConversationInfoSeal;
import norc.groups.MembershipStatement;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationInfo;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageSend;

/**
 * One group's membership and the rules that change it (groups profile A.1, A.3, A.4), without
 * actors or storage: the conversation entity keeps a {@code Membership}, asks it to decide each
 * request and journals what it returns. Immutable; {@link #decide} never changes {@code this}.
 * <p>Members are kept in join order (the owner's successor is the admin, else the member, who
 * joined first). The device sets of the users a request involves are resolved by the caller
 * ({@code devices}: user id → active device ids, a user without devices absent or empty) and
 * checked here exactly: every key map must name exactly the devices the profile asks for.
 */
public final class Membership {
    /** Configurable limits (A.1). */
    public record Limits(int maxMembers, int maxSubjects) {
        public static final Limits DEFAULT = new Limits(1000, 256);
    }

    /** Why a request is refused: its code and the {@code details} the profile allows (members only). */
    public record Refusal(ErrorCode code, Map<String, String> details) {
        static Refusal of(ErrorCode code) {
            return new Refusal(code, Map.of());
        }
    }

    /**
     * A change made: the statement (unsigned: {@code server_signature} zero, {@code request_id},
     * {@code members} and {@code info} absent; the entity signs and tailors each copy), the
     * membership after it, the users who left or were removed (they get one copy without members
     * or info), and a server-made change that follows (the owner's successor after the owner left).
     */
    public record Change(Membership after, MembershipUpdate statement, List<String> departed, Optional<Change> followUp) {}

    /** The outcome of {@link #decide}: a change, a refusal, or (for {@code add_info_keys}) keys added without a new version. */
    public sealed interface Decision {}

    public record Changed(Change change) implements Decision {}

    public record Refused(Refusal refusal) implements Decision {}

    /** {@code add_info_keys}: the envelope's key map grew; no version, the devices that got a key get a snapshot. */
    public record KeysAdded(Membership after, Set<UUID> devices) implements Decision {}

    /** Map keys and {@code subjects} order: by encoded bytes, i.e. UTF-8 length first, then bytes unsigned. */
    public static final Comparator<String> ENCODED_ORDER = (a, b) -> {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    };

    private final UUID conversationId;
    private final long version;
    private final LinkedHashMap<String, Role> members;
    private final ConversationInfo info;

    private Membership(UUID conversationId, long version, LinkedHashMap<String, Role> members, ConversationInfo info) {
        this.conversationId = conversationId;
        this.version = version;
        this.members = members;
        this.info = info;
    }

    /** A group as its journal left it ({@code members} in join order). */
    public static Membership of(UUID conversationId, long version, Map<String, Role> members, ConversationInfo info) {
        return new Membership(conversationId, version, new LinkedHashMap<>(members), info);
    }

    public UUID conversationId() {
        return conversationId;
    }

    public long version() {
        return version;
    }

    /** Members in join order. */
    public Map<String, Role> members() {
        return java.util.Collections.unmodifiableMap(members);
    }

    public ConversationInfo info() {
        return info;
    }

    public boolean isMember(String user) {
        return members.containsKey(user);
    }

    /** {@code members_hash} of this membership. */
    public byte[] membersHash() {
        return MembershipStatement.membersHash(sorted(members));
    }

    /** {@code D(c)}: the active devices of every member, from {@code devices}. */
    public static Set<UUID> deviceSet(Iterable<String> users, Map<String, Set<UUID>> devices) {
        Set<UUID> all = new HashSet<>();
        for (String user : users) {
            all.addAll(devices.getOrDefault(user, Set.of()));
        }
        return all;
    }

    // ---- conversation_create -------------------------------------------------------------------

    /**
     * {@code conversation_create} by {@code actor} on its device {@code actorDevice}: version 1,
     * change {@code created}, the creator owner. {@code devices} holds the creator's and every
     * invitee's active devices.
     */
    public static Decision create(ConversationCreate create, String actor, UUID actorDevice,
                                  Map<String, Set<UUID>> devices, Limits limits, long issuedAt) {
        if (create.conversationId().version() != 4) {
            return refused(ErrorCode.INVALID_FIELD);
        }
        Map<String, InvitedRole> invited = create.members();
        if (invited.isEmpty() || invited.containsKey(actor)) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        if (invited.size() > limits.maxMembers() - 1) {
            return new Refused(new Refusal(ErrorCode.LIMIT_EXCEEDED, Map.of("limit", "max_members")));
        }
        List<String> unavailable = unavailable(invited.keySet(), devices);
        if (!unavailable.isEmpty()) {
            return new Refused(memberUnavailable(unavailable));
        }
        Refusal author = checkAuthor(create.info(), actor, actorDevice);
        if (author != null) {
            return new Refused(author);
        }
        LinkedHashMap<String, Role> members = new LinkedHashMap<>();
        members.put(actor, Role.OWNER);
        invited.keySet().stream().sorted(ENCODED_ORDER).forEach(user -> members.put(user, invited.get(user).role()));
        if (!create.info().keys().keySet().equals(deviceSet(members.keySet(), devices))) {
            return new Refused(stale(0, create.info().keys().keySet(), members.keySet(), devices));
        }
        Membership after = new Membership(create.conversationId(), 1, members, create.info());
        List<String> subjects = invited.keySet().stream().sorted(ENCODED_ORDER).toList();
        return new Changed(new Change(after, after.statement(MembershipChange.CREATED, actor, subjects, Optional.empty(), issuedAt),
                List.of(), Optional.empty()));
    }

    // ---- conversation_update -------------------------------------------------------------------

    /**
     * {@code conversation_update} by member {@code actor}. The caller has already answered
     * {@code 2001} to a non-member. {@code devices}: the active devices of every current member
     * and every subject.
     */
    public Decision decide(ConversationUpdate update, String actor, UUID actorDevice, Map<String, Set<UUID>> devices,
                           Limits limits, String serverId, long issuedAt) {
        if (!isMember(actor)) {
            return refused(ErrorCode.FORBIDDEN);
        }
        List<String> subjects = update.subjects();
        if (subjects.size() > limits.maxSubjects()) {
            return new Refused(new Refusal(ErrorCode.LIMIT_EXCEEDED, Map.of("limit", "max_subjects")));
        }
        for (int i = 1; i < subjects.size(); i++) {
            if (ENCODED_ORDER.compare(subjects.get(i - 1), subjects.get(i)) >= 0) {
                return refused(ErrorCode.INVALID_FIELD);
            }
        }
        if (update.expectedVersion() != version) {
            return new Refused(new Refusal(ErrorCode.MEMBERSHIP_CHANGED, Map.of("membership_version", Long.toString(version))));
        }
        Role role = members.get(actor);
        return switch (update.action()) {
            case ADD -> add(update, actor, role, devices, limits, issuedAt);
            case REMOVE -> remove(update, actor, role, serverId, issuedAt);
            case LEAVE -> leave(update, actor, serverId, issuedAt);
            case SET_ROLE -> setRole(update, actor, role, issuedAt);
            case SET_INFO -> setInfo(update, actor, actorDevice, role, devices, issuedAt);
            case ADD_INFO_KEYS -> addInfoKeys(update, devices);
        };
    }

    private Decision add(ConversationUpdate u, String actor, Role actorRole, Map<String, Set<UUID>> devices,
                         Limits limits, long issuedAt) {
        if (u.subjects().isEmpty() || u.role().isEmpty() || u.role().get() == Role.OWNER || u.info().isPresent()
                || u.subjects().stream().anyMatch(this::isMember)) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        if (actorRole == Role.MEMBER || (u.role().get() == Role.ADMIN && actorRole != Role.OWNER)) {
            return refused(ErrorCode.ROLE_INSUFFICIENT);
        }
        if (members.size() + u.subjects().size() > limits.maxMembers()) {
            return new Refused(new Refusal(ErrorCode.LIMIT_EXCEEDED, Map.of("limit", "max_members")));
        }
        List<String> unavailable = unavailable(u.subjects(), devices);
        if (!unavailable.isEmpty()) {
            return new Refused(memberUnavailable(unavailable));
        }
        if (!u.infoKeys().keySet().equals(deviceSet(u.subjects(), devices))) {
            return new Refused(stale(version, u.infoKeys().keySet(), u.subjects(), devices));
        }
        LinkedHashMap<String, Role> next = new LinkedHashMap<>(members);
        u.subjects().forEach(user -> next.put(user, u.role().get()));
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>(info.keys());
        keys.putAll(u.infoKeys());
        Membership after = new Membership(conversationId, version + 1, next, withKeys(info, keys));
        return changed(after, MembershipChange.ADDED, actor, u.subjects(), u.role(), List.of(), issuedAt);
    }

    private Decision remove(ConversationUpdate u, String actor, Role actorRole, String serverId, long issuedAt) {
        if (u.subjects().isEmpty() || u.role().isPresent() || u.info().isPresent() || !u.infoKeys().isEmpty()
                || u.subjects().contains(actor) || !u.subjects().stream().allMatch(this::isMember)) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        for (String subject : u.subjects()) {
            Role target = members.get(subject);
            boolean allowed = switch (target) {
                case MEMBER -> actorRole != Role.MEMBER;
                case ADMIN -> actorRole == Role.OWNER;
                case OWNER -> false;
            };
            if (!allowed) {
                return refused(ErrorCode.ROLE_INSUFFICIENT);
            }
        }
        LinkedHashMap<String, Role> next = new LinkedHashMap<>(members);
        u.subjects().forEach(next::remove);
        return changed(new Membership(conversationId, version + 1, next, info), MembershipChange.REMOVED, actor, u.subjects(),
                Optional.empty(), u.subjects(), issuedAt);
    }

    private Decision leave(ConversationUpdate u, String actor, String serverId, long issuedAt) {
        if (!u.subjects().isEmpty() || u.role().isPresent() || u.info().isPresent() || !u.infoKeys().isEmpty()) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        LinkedHashMap<String, Role> next = new LinkedHashMap<>(members);
        Role leaving = next.remove(actor);
        Membership after = new Membership(conversationId, version + 1, next, info);
        Change left = new Change(after, after.statement(MembershipChange.LEFT, actor, List.of(actor), Optional.empty(), issuedAt),
                List.of(actor), Optional.empty());
        if (leaving != Role.OWNER || next.isEmpty()) {
            return new Changed(left); // the last member leaving deletes the group: the entity sees an empty membership
        }
        // the next owner: the admin who joined first, else the member who joined first
        String heir = next.entrySet().stream().filter(e -> e.getValue() == Role.ADMIN).map(Map.Entry::getKey).findFirst()
                .orElse(next.keySet().iterator().next());
        LinkedHashMap<String, Role> succeeded = new LinkedHashMap<>(next);
        succeeded.put(heir, Role.OWNER);
        Membership ruled = new Membership(conversationId, version + 2, succeeded, info);
        Change succession = new Change(ruled, ruled.statement(MembershipChange.ROLE_CHANGED, serverId, List.of(heir),
                Optional.of(Role.OWNER), issuedAt), List.of(), Optional.empty());
        return new Changed(new Change(after, left.statement(), left.departed(), Optional.of(succession)));
    }

    private Decision setRole(ConversationUpdate u, String actor, Role actorRole, long issuedAt) {
        if (u.subjects().size() != 1 || u.role().isEmpty() || u.info().isPresent() || !u.infoKeys().isEmpty()
                || u.subjects().get(0).equals(actor) || !isMember(u.subjects().get(0))) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        if (actorRole != Role.OWNER) {
            return refused(ErrorCode.ROLE_INSUFFICIENT);
        }
        String subject = u.subjects().get(0);
        LinkedHashMap<String, Role> next = new LinkedHashMap<>(members);
        next.put(subject, u.role().get());
        if (u.role().get() == Role.OWNER) {
            next.put(actor, Role.ADMIN); // ownership transferred
        }
        return changed(new Membership(conversationId, version + 1, next, info), MembershipChange.ROLE_CHANGED, actor,
                u.subjects(), u.role(), List.of(), issuedAt);
    }

    private Decision setInfo(ConversationUpdate u, String actor, UUID actorDevice, Role actorRole,
                             Map<String, Set<UUID>> devices, long issuedAt) {
        if (!u.subjects().isEmpty() || u.role().isPresent() || u.info().isEmpty() || !u.infoKeys().isEmpty()) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        if (actorRole == Role.MEMBER) {
            return refused(ErrorCode.ROLE_INSUFFICIENT);
        }
        Refusal author = checkAuthor(u.info().get(), actor, actorDevice);
        if (author != null) {
            return new Refused(author);
        }
        if (!u.info().get().keys().keySet().equals(deviceSet(members.keySet(), devices))) {
            return new Refused(stale(version, u.info().get().keys().keySet(), members.keySet(), devices));
        }
        return changed(new Membership(conversationId, version + 1, new LinkedHashMap<>(members), u.info().get()),
                MembershipChange.INFO_CHANGED, actor, List.of(), Optional.empty(), List.of(), issuedAt);
    }

    private Decision addInfoKeys(ConversationUpdate u, Map<String, Set<UUID>> devices) {
        if (!u.subjects().isEmpty() || u.role().isPresent() || u.info().isPresent() || u.infoKeys().isEmpty()) {
            return refused(ErrorCode.INVALID_CHANGE);
        }
        Set<UUID> group = deviceSet(members.keySet(), devices);
        for (UUID device : u.infoKeys().keySet()) {
            if (!group.contains(device)) {
                return new Refused(new Refusal(ErrorCode.MEMBERSHIP_CHANGED, Map.of("membership_version", Long.toString(version))));
            }
            if (info.keys().containsKey(device)) {
                return refused(ErrorCode.INVALID_CHANGE); // a key for a device that has one
            }
        }
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>(info.keys());
        keys.putAll(u.infoKeys());
        return new KeysAdded(new Membership(conversationId, version, new LinkedHashMap<>(members), withKeys(info, keys)),
                Set.copyOf(u.infoKeys().keySet()));
    }

    // ---- server-made changes --------------------------------------------------------------------

    /**
     * {@code devices_changed} by the server (A.1): {@code users}, members whose active devices
     * differ from those the last change was decided on. The envelope keeps only {@code devices}'
     * entries (a departed device's key goes; a new device gets its own by {@code add_info_keys}).
     */
    public Change devicesChanged(List<String> users, Set<UUID> devices, String serverId, long issuedAt) {
        Membership after = new Membership(conversationId, version + 1, new LinkedHashMap<>(members), info).keepingKeysOf(devices);
        List<String> subjects = users.stream().sorted(ENCODED_ORDER).toList();
        return new Change(after, after.statement(MembershipChange.DEVICES_CHANGED, serverId, subjects, Optional.empty(), issuedAt),
                List.of(), Optional.empty());
    }

    /** This membership with only {@code devices}' entries in the envelope's {@code keys} (departed devices' deleted, A.2). */
    public Membership keepingKeysOf(Set<UUID> devices) {
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>();
        info.keys().forEach((device, key) -> {
            if (devices.contains(device)) {
                keys.put(device, key);
            }
        });
        return keys.size() == info.keys().size() ? this : new Membership(conversationId, version, new LinkedHashMap<>(members),
                withKeys(info, keys));
    }

    // ---- statements ----------------------------------------------------------------------------

    /** The unsigned statement of a change that produced this membership. */
    MembershipUpdate statement(MembershipChange change, String actor, List<String> subjects, Optional<Role> role, long issuedAt) {
        return new MembershipUpdate(conversationId, UUID.randomUUID(), Optional.empty(), version, change, actor, subjects, role,
                membersHash(), Optional.empty(), Optional.empty(), issuedAt, new byte[64]);
    }

    /** A {@code snapshot} of this membership by {@code serverId} (not stored; unsigned). */
    public MembershipUpdate snapshot(String serverId, long issuedAt) {
        return statement(MembershipChange.SNAPSHOT, serverId, List.of(), Optional.empty(), issuedAt);
    }

    /** {@code info_hash} of the stored envelope, signed into every statement. */
    public byte[] infoHash() {
        return ConversationInfoSeal.infoHash(info);
    }

    /** The member map in encoded-key order, as it is hashed and sent. */
    public Map<String, Role> sortedMembers() {
        return sorted(members);
    }

    /** The envelope with only {@code device}'s entry of {@code keys} (what one device receives). */
    public ConversationInfo infoFor(UUID device) {
        MessageSend.WrappedKey key = info.keys().get(device);
        return withKeys(info, key == null ? Map.of() : Map.of(device, key));
    }

    private Decision changed(Membership after, MembershipChange change, String actor, List<String> subjects, Optional<Role> role,
                             List<String> departed, long issuedAt) {
        return new Changed(new Change(after, after.statement(change, actor, subjects, role, issuedAt), departed, Optional.empty()));
    }

    private static Map<String, Role> sorted(Map<String, Role> members) {
        Map<String, Role> out = new LinkedHashMap<>();
        members.keySet().stream().sorted(ENCODED_ORDER).forEach(user -> out.put(user, members.get(user)));
        return out;
    }

    private static ConversationInfo withKeys(ConversationInfo info, Map<UUID, MessageSend.WrappedKey> keys) {
        return new ConversationInfo(info.infoId(), info.authorUserId(), info.authorDeviceId(), info.ciphertext(), keys,
                info.signature());
    }

    private static Refusal checkAuthor(ConversationInfo info, String actor, UUID actorDevice) {
        return info.authorUserId().equals(actor) && info.authorDeviceId().equals(actorDevice) ? null : Refusal.of(ErrorCode.INVALID_FIELD);
    }

    private static List<String> unavailable(Iterable<String> users, Map<String, Set<UUID>> devices) {
        List<String> none = new ArrayList<>();
        for (String user : users) {
            if (devices.getOrDefault(user, Set.of()).isEmpty()) {
                none.add(user);
            }
        }
        return none;
    }

    private static Refusal memberUnavailable(List<String> users) {
        return new Refusal(ErrorCode.MEMBER_UNAVAILABLE, Map.of("users", String.join("\n", users)));
    }

    /** {@code 3013}: the key map does not name the device set; the users with a missing or extra device (≤ 64). */
    private static Refusal stale(long version, Set<UUID> named, Iterable<String> users, Map<String, Set<UUID>> devices) {
        List<String> stale = new ArrayList<>();
        for (String user : users) {
            Set<UUID> own = devices.getOrDefault(user, Set.of());
            boolean missing = !named.containsAll(own);
            if (missing && stale.size() < 64) {
                stale.add(user);
            }
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("membership_version", Long.toString(version));
        details.put("stale_users", String.join("\n", stale));
        return new Refusal(ErrorCode.MEMBERSHIP_CHANGED, details);
    }

    private static Refused refused(ErrorCode code) {
        return new Refused(Refusal.of(code));
    }
}
