package norc.server.federation.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to a peer's outbox (sharded by the peer's {@code server_id}, one per peer in the
 * whole cluster): the durable queue of what this server must send that peer (federation profile
 * §5.4), relays of local senders' messages and {@code delivery_ack}s for relays it received. Not
 * sealed only because the entity adds private commands (timers, attempt outcomes).
 */
public interface OutboxCommand extends Contract {

    EntityTypeKey<OutboxCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(OutboxCommand.class, "FederationOutbox");

    /** Journal a relay before the sender hears {@code accepted}; the reply says it is committed. */
    record Enqueue(RelayEntry entry, ActorRef<OutboxReply.Queued> replyTo) implements OutboxCommand {}

    /** The peer's {@code delivery_ack} for a relay this server sent it (already verified). */
    record DeliveryReported(UUID messageId, List<UUID> deliveredTo, List<UUID> failedDevices) implements OutboxCommand {}

    /**
     * The peer's trust was revoked (by either side): every queued relay fails with {@code errorCode}
     * (each sender hears {@code failed}), pending delivery acks to the peer are dropped.
     */
    record FailAll(long errorCode) implements OutboxCommand {}

    /** Start (or keep) sending what is queued: every node sends it for every known peer now and then. */
    enum Wake implements OutboxCommand { INSTANCE }

    /** A local device received ({@code delivered}) or could not receive a message the peer relayed here. */
    record ReportDelivery(UUID messageId, UUID device, boolean delivered) implements OutboxCommand {}
}
