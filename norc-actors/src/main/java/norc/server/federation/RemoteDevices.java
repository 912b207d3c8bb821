package norc.server.federation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which server each remote device belongs to, as learned from the {@code key_response}s this node
 * fetched for its clients: a {@code message_send} to users on several remote servers carries one
 * {@code keys} map, and each relay may carry only its own server's devices (a device id is never
 * shown to another server). Bounded, least recently learned forgotten first; node-local. With one
 * remote server in a message it is not needed. Thread-safe.
 */
public final class RemoteDevices {
    private static final int CAPACITY = 100_000;

    private final Map<UUID, String> servers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, String> eldest) {
            return size() > CAPACITY;
        }
    };

    public synchronized void learned(UUID device, String server) {
        servers.put(device, server);
    }

    public synchronized Optional<String> serverOf(UUID device) {
        return Optional.ofNullable(servers.get(device));
    }
}
