package norc.server.device.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * The device entity's journal. Each event is stored under its name in
 * {@link norc.server.contract.ContractNames}; fields may be added (with defaults on replay), never
 * renamed or retyped without a migration.
 */
public sealed interface DeviceEvent extends Contract {

    record OwnerClaimed(String userId) implements DeviceEvent {}

    /**
     * Times in epoch milliseconds; {@code originServer} null for a local sender (and in events
     * written before federation); {@code type} the entry's {@link InboxEntries} type.
     */
    record MessageStored(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt, String originServer,
                         int type, String bodyKey, int bodyAt, int bodySize) implements DeviceEvent {
        /**
         * An entry whole in {@code payload} (and every event written before shared ciphertexts:
         * {@code bodyKey} null); with a {@code bodyKey}, a group message's copy without its
         * {@code bodySize} bytes of ciphertext, which {@link norc.server.storage.MessageBodies}
         * holds under that key, to go back at {@code bodyAt}.
         */
        public MessageStored(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt, String originServer,
                             int type) {
            this(messageId, payload, senderDevice, storedAt, expiresAt, originServer, type, null, 0, 0);
        }

        /** A {@code message_send} copy (and every event written before typed entries: {@code type} 0). */
        public MessageStored(UUID messageId, byte[] payload, UUID senderDevice, long storedAt, long expiresAt, String originServer) {
            this(messageId, payload, senderDevice, storedAt, expiresAt, originServer, InboxEntries.MESSAGE_SEND);
        }
    }

    /** One message acknowledged; written by earlier versions, still replayed. */
    record MessageAcknowledged(UUID messageId) implements DeviceEvent {}

    /** A batch of acknowledged messages, in acknowledgement order. */
    record MessagesAcknowledged(List<UUID> messageIds) implements DeviceEvent {}

    record MessagesExpired(List<UUID> messageIds) implements DeviceEvent {}

    /**
     * Messages whose journal rows the journal answered without, {@code payload-read-attempts}
     * times in a row: their payloads are gone (a row deleted by hand, a restore that lost it), so
     * they leave the inbox instead of blocking every message behind them.
     */
    record MessagesUnreadable(List<UUID> messageIds) implements DeviceEvent {}

    record DeviceRevoked(long at) implements DeviceEvent {}

    /**
     * The inbox has been empty since the last message left it: written only so that the entity
     * snapshots there and its journal prefix can be deleted (retention); changes nothing.
     */
    record InboxDrained(long at) implements DeviceEvent {}
}
