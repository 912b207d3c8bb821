package norc.wire.message;

import java.util.UUID;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code device_revoke} (0x05): signed revocation of a device key (spec §6.12). Signed by one of
 * the user's devices ({@code revokedBy}, possibly the revoked device itself) over
 * {@code "norc:revoke:v1" || canon(this \ signature)}; {@code effectiveAt} in µs.
 */
public record DeviceRevoke(
        String userId,
        UUID deviceId,
        RevocationReason reason,
        long effectiveAt,
        UUID revokedBy,
        @Fixed(64) byte[] signature) implements ClientMessage {}
