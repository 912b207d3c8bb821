package norc.client;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import norc.groups.ConversationInfoSeal;
import norc.groups.MembershipStatement;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationInfo;
import norc.wire.message.MembershipUpdate;

/**
 * What this device knows of its groups (groups profile A.4), built only from signed
 * {@code membership_update}s: each is checked against the server's key, applied as a whole
 * membership (when it carries {@code members}) or as a delta on the version before it, and kept
 * only when the result hashes to its {@code members_hash}. A gap, a mismatch or a group this
 * device never heard of asks for a {@code snapshot}. Thread-safe.
 */
final class GroupDirectory {

    /**
     * One group: its version, members and roles, the envelope as this device received it (only its
     * own {@code keys} entry), and the {@code info_key} that entry unwraps to (null without one).
     */
    record Group(UUID conversationId, long version, Map<String, Role> members, ConversationInfo info, byte[] infoKey) {
        @Override
        public String toString() {
            return "Group[" + conversationId + " v" + version + "]";
        }
    }

    /** What applying one update did. */
    enum Outcome {
        /** The group moved to the update's version. */
        APPLIED,
        /** This version (or a later one) was known already. */
        KNOWN,
        /** This device's user is no longer a member: the group is forgotten. */
        DEPARTED,
        /** Not applicable (a gap, a hash that does not match, a group never heard of): ask for a snapshot. */
        STALE,
        /** The server's signature does not hold: dropped. */
        INVALID
    }

    private final Map<UUID, Group> groups = new ConcurrentHashMap<>();

    Optional<Group> get(UUID conversationId) {
        return Optional.ofNullable(groups.get(conversationId));
    }

    /** Every group this device is in now. */
    Map<UUID, Group> all() {
        return Collections.unmodifiableMap(groups);
    }

    /**
     * Applies {@code update} for user {@code me}; {@code infoKeyOf} unwraps this device's entry of
     * an envelope's {@code keys} (null when it has none).
     */
    synchronized Outcome apply(MembershipUpdate update, String me, byte[] serverPublicKey, Function<ConversationInfo, byte[]> infoKeyOf) {
        Group known = groups.get(update.conversationId());
        byte[] infoHash = update.info().map(ConversationInfoSeal::infoHash)
                .orElse(known == null ? null : ConversationInfoSeal.infoHash(known.info()));
        if (infoHash == null) {
            return departedOrStale(update, me);
        }
        if (!MembershipStatement.verify(serverPublicKey, update, infoHash)) {
            return Outcome.INVALID;
        }
        Map<String, Role> members;
        if (update.members().isPresent()) {
            if (known != null && update.membershipVersion() < known.version()) {
                return Outcome.KNOWN;
            }
            members = new LinkedHashMap<>(update.members().get());
        } else {
            if (known == null) {
                return departedOrStale(update, me);
            }
            if (update.membershipVersion() <= known.version()) {
                return Outcome.KNOWN;
            }
            if (update.membershipVersion() != known.version() + 1) {
                return Outcome.STALE;
            }
            members = delta(known.members(), update);
        }
        if (!MessageDigest.isEqual(MembershipStatement.membersHash(members), update.membersHash())) {
            return Outcome.STALE;
        }
        if (!members.containsKey(me)) {
            forget(update.conversationId());
            return Outcome.DEPARTED;
        }
        ConversationInfo info = update.info().orElse(known == null ? null : known.info());
        byte[] infoKey = update.info().isPresent() ? infoKeyOf.apply(info)
                : known == null ? null : known.infoKey();
        if (infoKey == null && known != null && known.infoKey() != null && info.infoId().equals(known.info().infoId())) {
            infoKey = known.infoKey(); // the same envelope, this copy without our entry
        }
        groups.put(update.conversationId(), new Group(update.conversationId(), update.membershipVersion(),
                Collections.unmodifiableMap(members), info, infoKey));
        return Outcome.APPLIED;
    }

    /** An update without a membership to check it against: to a departed user it says so; otherwise a snapshot is due. */
    private Outcome departedOrStale(MembershipUpdate update, String me) {
        boolean departure = update.change() == MembershipChange.REMOVED || update.change() == MembershipChange.LEFT;
        if (departure && update.subjects().contains(me)) {
            forget(update.conversationId());
            return Outcome.DEPARTED;
        }
        return Outcome.STALE;
    }

    private static Map<String, Role> delta(Map<String, Role> before, MembershipUpdate update) {
        Map<String, Role> members = new LinkedHashMap<>(before);
        switch (update.change()) {
            case ADDED -> update.subjects().forEach(user -> members.put(user, update.role().orElse(Role.MEMBER)));
            case REMOVED, LEFT -> update.subjects().forEach(members::remove);
            case ROLE_CHANGED -> {
                Role role = update.role().orElse(Role.MEMBER);
                if (role == Role.OWNER && members.get(update.actor()) == Role.OWNER) {
                    members.put(update.actor(), Role.ADMIN); // ownership transferred
                }
                update.subjects().forEach(user -> members.put(user, role));
            }
            default -> { } // info_changed, devices_changed: the members stay
        }
        return members;
    }

    synchronized void forget(UUID conversationId) {
        Group gone = groups.remove(conversationId);
        if (gone != null && gone.infoKey() != null) {
            Arrays.fill(gone.infoKey(), (byte) 0);
        }
    }
}
