package norc.wire.message;

import java.util.List;
import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/** {@code delivery_ack} (0x81): which devices a relayed message reached (spec §4.3.2). */
public record DeliveryAck(
        UUID messageId,
        String originServer,
        List<UUID> deliveredTo,
        List<UUID> failedDevices,
        long timestamp,
        @Fixed(64) byte[] signature) implements FederationMessage {}
