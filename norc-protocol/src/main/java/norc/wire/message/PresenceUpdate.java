package norc.wire.message;

import java.util.List;
import java.util.Optional;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.schema.Wire.Atom;

/**
 * {@code presence_update} (0x20) (spec §3.3.2). {@code lastSeen} in µs. On delivery to other users
 * the server stamps {@code userId} (a client value is overwritten).
 */
public record PresenceUpdate(
        PresenceStatus status,
        Optional<String> statusMessage,
        List<@Atom String> capabilities,
        long lastSeen,
        Optional<String> userId) implements ClientMessage {}
