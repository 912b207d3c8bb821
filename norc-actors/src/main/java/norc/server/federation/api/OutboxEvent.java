package norc.server.federation.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * A peer outbox's journal. Each event is stored under its name in
 * {@link norc.server.contract.ContractNames}; fields may be added, never renamed or retyped.
 */
public sealed interface OutboxEvent extends Contract {

    record RelayQueued(RelayEntry entry) implements OutboxEvent {}

    /** The peer answered 200: its inboxes hold the message; its delivery acks are awaited. */
    record RelayAccepted(UUID messageId) implements OutboxEvent {}

    /** Given up (permanent error, or {@code expires_at} passed); the sender heard {@code failed}. */
    record RelayFailed(UUID messageId, long errorCode) implements OutboxEvent {}

    /** The peer reported these devices (delivered or failed); the sender heard of each. */
    record DeliveriesReported(UUID messageId, List<UUID> devices) implements OutboxEvent {}

    /** A {@code delivery_ack} to send the peer for a relay it sent here. */
    record AckQueued(UUID messageId, List<UUID> deliveredTo, List<UUID> failedDevices) implements OutboxEvent {}

    /** The peer answered 200 to that {@code delivery_ack}. */
    record AckSent(UUID messageId) implements OutboxEvent {}
}
