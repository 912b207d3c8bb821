package norc.wire.message;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code key_request} (0x30): which users' device keys the client wants (spec §3.4.1, profile §5);
 * on NORC-F also a server asking a peer for its users' keys (federation profile §1, at most 256 users).
 */
public record KeyRequest(
        List<String> userIds,
        Optional<List<UUID>> deviceFilter) implements ClientMessage {}
