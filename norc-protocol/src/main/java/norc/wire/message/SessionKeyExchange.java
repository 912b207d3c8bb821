package norc.wire.message;

import java.util.Optional;
import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code session_key_exchange} (0x32): an ephemeral X25519 key relayed to one target device
 * (spec §3.4.2). {@code expiresAt} in s. The server stamps the sender fields when relaying.
 */
public record SessionKeyExchange(
        UUID sessionId,
        @Fixed(32) byte[] ephemeralPublicKey,
        UUID targetDevice,
        long expiresAt,
        Optional<String> senderUserId,
        Optional<UUID> senderDeviceId) implements ClientMessage {}
