package norc.server.device.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import norc.wire.message.Atoms.AckStatus;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to a device's entity (sharded by device id): the device entity's public
 * protocol. Each record is a {@link Contract}; replies are {@link DeviceReply} types and what the
 * entity sends to the device's connection is a {@link DeviceOutbound}. Not sealed only because the
 * entity adds private commands of its own (timers, watches) that never leave its node.
 */
public interface DeviceCommand extends Contract {

    /** The sharded entity type; its name is part of every device's persistence id. */
    EntityTypeKey<DeviceCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(DeviceCommand.class, "DeviceSession");

    /** Binds the device id to its user at registration. */
    record Claim(String userId, ActorRef<DeviceReply.ClaimResult> replyTo) implements DeviceCommand {}

    /**
     * Stores an inbox entry for the device: its per-device {@code message_send} copy (binary
     * payload encoding), or another stored type ({@link InboxEntries}: a group's
     * {@code membership_update}, a {@code file_manifest}); {@code senderDevice} null for the
     * server's own entries, whose acknowledgements go to nobody. {@code originServer}: the server that relayed it, or null for a local sender; the
     * device's acknowledgement then goes back to that server as a {@code delivery_ack}.
     */
    record Store(UUID messageId, byte[] payload, UUID senderDevice, long expiresAt, String originServer,
                 ActorRef<DeviceReply.StoreReply> replyTo, int type, String bodyKey, int bodyAt, byte[] body) implements DeviceCommand {
        /**
         * An entry whole in {@code payload}; with a {@code bodyKey}, the copy of a group message
         * stored without its ciphertext ({@link norc.server.storage.SharedCiphertext}): {@code body}
         * is that ciphertext, already in {@link norc.server.storage.MessageBodies} under
         * {@code bodyKey}, given along for the live connection, and {@code bodyAt} where it goes.
         */
        public Store(UUID messageId, byte[] payload, UUID senderDevice, long expiresAt, String originServer,
                     ActorRef<DeviceReply.StoreReply> replyTo, int type) {
            this(messageId, payload, senderDevice, expiresAt, originServer, replyTo, type, null, 0, null);
        }

        /** The size the entry counts for in the inbox: its payload and its shared ciphertext. */
        public long size() {
            return payload.length + (body == null ? 0 : body.length);
        }

        /** A {@code message_send} copy. */
        public Store(UUID messageId, byte[] payload, UUID senderDevice, long expiresAt, String originServer,
                     ActorRef<DeviceReply.StoreReply> replyTo) {
            this(messageId, payload, senderDevice, expiresAt, originServer, replyTo, InboxEntries.MESSAGE_SEND);
        }
    }

    /**
     * Several entries at once, in order (a group's fan-out, when copies for the device queued up
     * behind the one in flight): each decided as a {@link Store} and answered to its own
     * {@code replyTo}, the stored ones journalled in one write.
     */
    record StoreAll(java.util.List<Store> entries) implements DeviceCommand {}

    /** The device's authenticated connection; sent on authentication and then periodically. */
    record Attach(ActorRef<DeviceOutbound> connection) implements DeviceCommand {}

    record Detach(ActorRef<DeviceOutbound> connection) implements DeviceCommand {}

    /** The device acknowledged a delivered message ({@code delivered} or {@code read}). */
    record Acknowledge(UUID messageId, AckStatus status) implements DeviceCommand {}

    /**
     * Spends one unit of one of the device's budgets (spec §6.16); a {@code MESSAGE} also spends
     * {@code bytes} (its ciphertext times the copies it asks for) of the byte budget, both or neither.
     */
    record Spend(Budget budget, long bytes, ActorRef<DeviceReply.Spent> replyTo) implements DeviceCommand {
        public Spend(Budget budget, ActorRef<DeviceReply.Spent> replyTo) {
            this(budget, 0, replyTo);
        }
    }

    enum Budget { MESSAGE, KEY_LOOKUP }

    /** An ephemeral message (presence, receipts, revocation notices, key exchange) for the live connection only. */
    record Push(WireMessage message) implements DeviceCommand {}

    /**
     * An ephemeral message another user sent this device (a relayed {@code presence_update} or
     * {@code session_key_exchange}): pushed only to a registered, unrevoked device's live
     * connection, within the device's relay budget (past it dropped, so that a flood from many
     * senders cannot overflow its socket).
     */
    record Relay(WireMessage message) implements DeviceCommand {}

    /** Who owns this device (a 1:1 file's audience, groups profile B.3, F.6). */
    record Owner(ActorRef<DeviceReply.OwnedBy> replyTo) implements DeviceCommand {}

    /** Operator: close the device's live session, wherever it is (it may reconnect); answers whether there was one. */
    record Disconnect(ActorRef<DeviceReply.Disconnected> replyTo) implements DeviceCommand {}

    /** The user entity revoked this device: close its session, refuse it from now on. Written by earlier versions. */
    enum Revoke implements DeviceCommand { INSTANCE }

    /**
     * The user entity revoked this device: close its session, refuse it from now on, and answer
     * once that is journalled (the user entity asks again until it hears so).
     */
    record ConfirmRevoke(ActorRef<DeviceReply.RevokeConfirmed> replyTo) implements DeviceCommand {}
}
