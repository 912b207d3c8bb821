package norc.wire.message;

import java.util.UUID;

/** {@code membership_request} (0x15, groups profile A.3): a member asks for a {@code snapshot} of its group. */
public record MembershipRequest(UUID requestId, UUID conversationId) implements ClientMessage {}
