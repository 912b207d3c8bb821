package norc.wire.message;

import java.util.Map;
import java.util.UUID;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code key_response} (0x31): {@code user_id → device_id → keys}. Unknown users and users the
 * requester may not see get the same answer, an empty entry (profile §5); on NORC-F also a server's
 * answer to a peer's {@code key_request} (federation profile §1, §7).
 */
public record KeyResponse(Map<String, Map<UUID, DeviceKey>> keys) implements ClientMessage {

    /** One device's public keys; {@code expiresAt} in s. */
    public record DeviceKey(
            @Fixed(32) byte[] publicKey,
            @Fixed(32) byte[] kexPublicKey,
            @Atom String keyAlgorithm,
            long expiresAt,
            boolean verified) {}
}
