package norc.wire.message;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U64;

/**
 * {@code membership_update} (0x14, groups profile A.4): the server's signed statement of one change
 * to a group (or a snapshot), delivered through the inboxes in the group's order.
 * {@code members_hash} covers the full member map after the change; {@code request_id},
 * {@code update_id}, {@code members} and {@code info} are not signed, so every copy of one change
 * carries the same {@code server_signature}.
 */
public record MembershipUpdate(
        UUID conversationId,
        UUID updateId,
        Optional<UUID> requestId,
        @U64 long membershipVersion,
        MembershipChange change,
        String actor,
        List<String> subjects,
        Optional<Role> role,
        @Fixed(32) byte[] membersHash,
        Optional<Map<String, Role>> members,
        Optional<ConversationInfo> info,
        long issuedAt,
        @Fixed(64) byte[] serverSignature) implements ClientMessage {}
