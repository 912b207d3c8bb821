package norc.wire.message;

import java.util.Map;
import java.util.UUID;
import norc.wire.message.Atoms.InvitedRole;

/**
 * {@code conversation_create} (0x12, groups profile A.3): a group with a client-chosen v4 id, the
 * creator as owner and {@code members} invited with their roles; {@code info.keys} wraps the info key
 * for every active device of the new group, the creating device included.
 */
public record ConversationCreate(
        UUID requestId,
        UUID conversationId,
        Map<String, InvitedRole> members,
        ConversationInfo info) implements ClientMessage {}
