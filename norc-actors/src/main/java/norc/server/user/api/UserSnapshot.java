package norc.server.user.api;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;

/** The journal form of a user entity's state. Tokens are hashes mapped to their expiry (s). */
public record UserSnapshot(boolean exists, Map<UUID, DeviceRecord> devices, Map<String, Long> tokens, Set<String> contacts)
        implements Contract {}
