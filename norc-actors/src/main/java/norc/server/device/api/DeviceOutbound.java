package norc.server.device.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;

/**
 * What a device's entity sends to the device's connection, wherever in the cluster that connection
 * lives. The connection attaches with a reference of this type, so the entity knows nothing of the
 * connection's own protocol.
 */
public sealed interface DeviceOutbound extends Contract {

    /**
     * A stored entry for this device: the binary payload of its {@code message_send} copy, or of
     * another {@link InboxEntries} type.
     */
    record Deliver(UUID messageId, byte[] payload, int type) implements DeviceOutbound {}

    /** An ephemeral message for this device. */
    record Ephemeral(WireMessage message) implements DeviceOutbound {}

    /** This device was revoked: close now, with {@code 1003}. */
    enum Revoked implements DeviceOutbound { INSTANCE }

    /** The device authenticated on another connection; this one closes. */
    enum Superseded implements DeviceOutbound { INSTANCE }
}
