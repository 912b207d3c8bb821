package norc.wire.message;

import java.util.UUID;
import norc.wire.message.Atoms.AuthStatus;

/**
 * {@code auth_response} (0x04; 0x03 in 1.x): answers both {@code device_register} and
 * {@code auth_request} (profile §5). {@code serverTime} in µs, {@code sessionExpiresAt} in s.
 */
public record AuthResponse(
        AuthStatus status,
        UUID sessionId,
        String userId,
        UUID deviceId,
        long serverTime,
        long sessionExpiresAt) implements ClientMessage {}
