package norc.wire.message;

import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code device_key_rotate} (0x34, groups profile C): a device registers its successor device id
 * with new keys, signed by the old key and by the new one (proof of possession); the old id stays
 * active for an overlap of at most 7 days.
 */
public record DeviceKeyRotate(
        String userId,
        UUID oldDeviceId,
        UUID newDeviceId,
        @Fixed(32) byte[] publicKey,
        @Fixed(32) byte[] kexPublicKey,
        long timestamp,
        @Fixed(64) byte[] oldSignature,
        @Fixed(64) byte[] newSignature) implements ClientMessage {}
