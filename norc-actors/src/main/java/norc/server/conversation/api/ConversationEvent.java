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
 * the entity except to members). Each change keeps its signed statement, so that a repeated
 * {@code request_id} gets the same update again.
 */
public sealed interface ConversationEvent extends Contract {

    /** A member and its role, in join order. */
    record Member(String user, Role role) implements Contract {}

    /** The membership after a change, its signed statements (a follow-up included) and who asked. */
    record MembershipChanged(long version, List<Member> members, ConversationInfo info, List<WireMessage> statements,
                             UUID requestId, String requester, long at) implements ConversationEvent {}

    /** {@code add_info_keys}: keys added to the envelope, no new version. */
    record InfoKeysAdded(Map<UUID, MessageSend.WrappedKey> keys, UUID requestId, String requester, long at)
            implements ConversationEvent {}
}
