package norc.client;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.Role;

/**
 * A group as this device knows it (groups profile A), from the server's signed statements:
 * its {@code membership_version}, its members and their roles, and its title when this device
 * holds the envelope's key.
 */
public record GroupView(UUID conversationId, long version, Map<String, Role> members, Optional<String> title) {
    public GroupView {
        members = Map.copyOf(members);
    }
}
