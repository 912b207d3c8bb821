package norc.server.conversation.api;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationInfo;
import norc.wire.message.MessageSend;

/**
 * A group's journal (sealed at rest, under a pseudonymous persistence id: membership never leaves
 * the entity except to members). Each change keeps its signed statements, the device set it was
 * decided on and the inboxes its copies go to, so that a repeated {@code request_id} gets the
 * same update again and copies a crash interrupted are stored after recovery.
 */
public sealed interface ConversationEvent extends Contract {

    /** A member and its role, in join order. */
    record Member(String user, Role role) implements Contract {}

    /** A member's active devices when a change was decided. */
    record MemberDevices(String user, List<UUID> devices) implements Contract {}

    /**
     * One inbox a change's statement goes to: {@code statement} indexes the event's statements,
     * {@code full} says whether the copy carries {@code members} and {@code info} (A.4, F.2).
     */
    record Target(UUID device, int statement, boolean full) implements Contract {}

    /**
     * The membership after a change, its signed statements (a follow-up included), who asked, the
     * members' devices it was decided on, and the inboxes to copy to (the requesting device's
     * excepted: it hears the answer). Events written before {@code devices} and {@code targets}
     * replay with them empty.
     */
    record MembershipChanged(long version, List<Member> members, ConversationInfo info, List<WireMessage> statements,
                             UUID requestId, String requester, long at, List<MemberDevices> devices, List<Target> targets)
            implements ConversationEvent {}

    /** {@code add_info_keys}: keys added to the envelope, no new version; {@code targets} get a stored snapshot. */
    record InfoKeysAdded(Map<UUID, MessageSend.WrappedKey> keys, UUID requestId, String requester, long at, WireMessage snapshot,
                         List<Target> targets) implements ConversationEvent {}

    /** Every copy of the change at {@code version} is stored. */
    record CopiesStored(long version) implements ConversationEvent {}
}
