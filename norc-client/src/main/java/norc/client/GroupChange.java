package norc.client;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.MembershipChange;

/**
 * A signed {@code membership_update} this device applied (groups profile A.4): what changed, who
 * did it ({@code actor}: a user, or the server id for server-made changes), whom it names, and the
 * group after it ({@code group} empty once this user is no longer a member).
 */
public record GroupChange(UUID conversationId, long version, MembershipChange change, String actor, List<String> subjects,
                          Optional<GroupView> group) {}
