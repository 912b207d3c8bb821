package norc.wire.message;

import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.schema.Wire.U32;

/**
 * {@code message_ack} (0x11). A recipient sends {@code delivered|read}; the sender receives
 * {@code accepted} (every recipient inbox committed), {@code delivered|read} with the device, or
 * {@code failed} with an error code (profile §6).
 */
public record MessageAck(
        UUID messageId,
        AckStatus status,
        Optional<UUID> deviceId,
        Optional<@U32 Long> errorCode) implements ClientMessage {}
