package norc.server.device.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * The journal form of a device entity's state: owner, revoked, the inbox's index in arrival order
 * (never payloads: each stays in its {@code MessageStored} event), the ids already handled.
 */
public record DeviceSnapshot(String owner, boolean revoked, List<StoredMessage> inbox, List<UUID> handled) implements Contract {

    /**
     * One stored message: where its payload is ({@code sequenceNr}, the journal row of its
     * {@code MessageStored} event) and its {@code size}. Times in epoch milliseconds;
     * {@code originServer} null for a local sender; {@code type} its {@link InboxEntries} type. {@code payload} is null, except in snapshots
     * written before payloads left them (sequence number 0: the payload is only here).
     */
    public record StoredMessage(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt, String originServer,
                                long sequenceNr, long size, int type) {
        public StoredMessage {
            if (size == 0 && payload != null) {
                size = payload.length;
            }
        }
    }
}
