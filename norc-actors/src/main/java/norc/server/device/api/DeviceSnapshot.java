package norc.server.device.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/** The journal form of a device entity's state: owner, revoked, the inbox in arrival order, the ids already handled. */
public record DeviceSnapshot(String owner, boolean revoked, List<StoredMessage> inbox, List<UUID> handled) implements Contract {

    /** One stored message. Times in epoch milliseconds; {@code originServer} null for a local sender. */
    public record StoredMessage(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt, String originServer) {}
}
