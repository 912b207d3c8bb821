package norc.server.device;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The payloads a device entity holds in memory for its live connection: those that arrived while
 * it was attached and the in-flight window was full, and those just read back from the journal.
 * Counted in bytes against {@code hot-payload-bytes}; not persisted, dropped when the connection
 * changes. Owned by one entity, not thread-safe.
 */
final class HotPayloads {
    private final Map<UUID, byte[]> payloads = new HashMap<>();
    private long bytes;

    long bytes() {
        return bytes;
    }

    boolean holds(UUID id) {
        return payloads.containsKey(id);
    }

    void keep(UUID id, byte[] payload) {
        if (payloads.put(id, payload) == null) {
            bytes += payload.length;
        }
    }

    /** The payload, which leaves memory (the connection has it now); null if not here. */
    byte[] take(UUID id) {
        byte[] payload = payloads.remove(id);
        if (payload != null) {
            bytes -= payload.length;
        }
        return payload;
    }

    void clear() {
        payloads.clear();
        bytes = 0;
    }
}
