package norc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import norc.wire.message.KeyResponse;

/**
 * The device keys this client fetched ({@code key_response}, profile §5), per user, with the time
 * of the fetch. Senders use entries younger than the TTL (so new devices of a recipient are
 * picked up); verifying an inbound signature uses any entry and fetches on a miss. Keys whose
 * {@code expires_at} (s) has passed are left out; {@code 0} means no expiry. Thread-safe.
 */
final class KeyDirectory {
    private record Fetched(Map<UUID, KeyResponse.DeviceKey> devices, Instant at) {}

    private final Map<String, Fetched> users = new ConcurrentHashMap<>();

    /** Stores a fetch; a user absent or empty in the answer has no (visible) devices. */
    void update(KeyResponse response, Instant now) {
        response.keys().forEach((user, devices) -> {
            Map<UUID, KeyResponse.DeviceKey> live = new LinkedHashMap<>();
            devices.forEach((id, key) -> {
                if (key.expiresAt() <= 0 || key.expiresAt() > now.getEpochSecond()) {
                    live.put(id, key);
                }
            });
            users.put(user, new Fetched(Map.copyOf(live), now));
        });
    }

    /** The devices of {@code user} if fetched less than {@code ttl} ago, else {@code null}. */
    Map<UUID, KeyResponse.DeviceKey> fresh(String user, Instant now, Duration ttl) {
        Fetched fetched = users.get(user);
        if (fetched == null || fetched.at().plus(ttl).isBefore(now)) {
            return null;
        }
        return fetched.devices();
    }

    /** The devices of {@code user} from the latest fetch, or an empty map if never fetched. */
    Map<UUID, KeyResponse.DeviceKey> devices(String user) {
        Fetched fetched = users.get(user);
        return fetched == null ? Map.of() : fetched.devices();
    }

    /** The devices of {@code user} from the latest fetch (empty: it had none), or {@code null} if never fetched. */
    Map<UUID, KeyResponse.DeviceKey> known(String user) {
        Fetched fetched = users.get(user);
        return fetched == null ? null : fetched.devices();
    }

    /** A device's keys from any earlier fetch, or {@code null}. */
    KeyResponse.DeviceKey device(String user, UUID deviceId) {
        Fetched fetched = users.get(user);
        return fetched == null ? null : fetched.devices().get(deviceId);
    }

    /** Forgets a revoked device. */
    void forget(String user, UUID deviceId) {
        users.computeIfPresent(user, (u, fetched) -> {
            Map<UUID, KeyResponse.DeviceKey> rest = new LinkedHashMap<>(fetched.devices());
            rest.remove(deviceId);
            return new Fetched(Map.copyOf(rest), fetched.at());
        });
    }
}
