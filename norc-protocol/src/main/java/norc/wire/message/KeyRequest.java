package norc.wire.message;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code key_request} (0x30): which users' device keys the client wants (spec §3.4.1, profile §5). */
public record KeyRequest(
        List<String> userIds,
        Optional<List<UUID>> deviceFilter) implements ClientMessage {}
