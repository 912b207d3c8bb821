package norc.wire.message;

import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code auth_request} (0x03; 0x02 in 1.x): proof of a registered device key, channel-bound to the
 * handshake (profile §5): {@code signature = Ed25519(device_sk, "norc:auth:v1" || th ||
 * canon(this \ signature))}; {@code timestamp} in µs, within 5 s of server time.
 */
public record AuthRequest(
        String userId,
        UUID deviceId,
        long timestamp,
        @Fixed(64) byte[] signature) implements ClientMessage {}
