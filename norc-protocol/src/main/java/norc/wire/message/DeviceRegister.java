package norc.wire.message;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code device_register} (0x02; 0x01 in 1.x): a new device's keys (spec §3.2.1, profile §5).
 * {@code signature} is Ed25519 by the device key over {@code "norc:register:v1" || th ||
 * canon(this \ signature)}.
 */
public record DeviceRegister(
        UUID deviceId,
        String userId,
        @Fixed(32) byte[] publicKey,
        @Fixed(32) byte[] kexPublicKey,
        DeviceInfo deviceInfo,
        Optional<String> enrollmentToken,
        Optional<byte[]> proofOfWork,
        @Fixed(64) byte[] signature) implements ClientMessage {

    /** Human-facing description of the device (spec §3.2.1). */
    public record DeviceInfo(String name, @Atom String type, List<@Atom String> capabilities) {}
}
