package norc.client;

import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.AckStatus;

/**
 * A {@code message_ack} about a message this device sent: {@code delivered} or {@code read} by a
 * device, or {@code failed} with an error code (profile §6).
 */
public record Receipt(UUID messageId, AckStatus status, Optional<UUID> deviceId, Optional<Long> errorCode) {}
