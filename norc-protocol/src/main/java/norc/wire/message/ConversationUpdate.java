package norc.wire.message;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.ConversationAction;
import norc.wire.message.Atoms.Role;
import norc.wire.schema.Wire.U64;

/**
 * {@code conversation_update} (0x13, groups profile A.3): one change to a group at
 * {@code expected_version}; which of {@code subjects}, {@code role}, {@code info} and
 * {@code info_keys} an action takes is its row of the profile's table (anything else is 3014).
 */
public record ConversationUpdate(
        UUID requestId,
        UUID conversationId,
        @U64 long expectedVersion,
        ConversationAction action,
        List<String> subjects,
        Optional<Role> role,
        Optional<ConversationInfo> info,
        Map<UUID, MessageSend.WrappedKey> infoKeys) implements ClientMessage {}
