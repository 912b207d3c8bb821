package norc.server.user.api;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * The journal form of a user entity's state. Tokens are hashes mapped to their expiry (s).
 * {@code contactsSeen}: each contact and when it was last recorded (epoch ms); {@code contacts} is
 * what snapshots held before contacts aged out (written empty now, read as recorded at 0);
 * {@code disabled} is null in snapshots written before users could be disabled, {@code groups}
 * (the groups the user is in) in those written before groups.
 */
public record UserSnapshot(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Set<String> contacts,
                           Map<String, Long> contactsSeen, Boolean disabled, Set<UUID> groups) implements Contract {
    /** A snapshot of a user in no group (and every snapshot written before groups: {@code groups} null). */
    public UserSnapshot(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Set<String> contacts,
                        Map<String, Long> contactsSeen, Boolean disabled) {
        this(exists, devices, tokens, contacts, contactsSeen, disabled, null);
    }
}
