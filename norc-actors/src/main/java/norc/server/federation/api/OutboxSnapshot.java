package norc.server.federation.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/** The journal form of a peer outbox: relays still to send, relays awaiting delivery acks, acks still to send. */
public record OutboxSnapshot(List<RelayEntry> queued, List<Awaiting> awaiting, List<OutboxEvent.AckQueued> acks)
        implements Contract {

    /** A relay the peer accepted: its sender, and the devices not reported yet. */
    public record Awaiting(UUID messageId, UUID senderDevice, List<UUID> devices, long expiresAt) {}
}
