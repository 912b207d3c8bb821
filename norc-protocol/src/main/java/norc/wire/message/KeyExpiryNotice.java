package norc.wire.message;

import java.util.UUID;

/** {@code key_expiry_notice} (0x35, groups profile C): the session's device key expires at {@code expires_at} (seconds); rotate. */
public record KeyExpiryNotice(UUID deviceId, long expiresAt) implements ClientMessage {}
