package norc.server.federation.api;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * How the per-peer queues are addressed. Each peer's outbox is {@link #BUCKETS} sharded entities,
 * {@code <peer>#<bucket>}, so that the journal writes of one busy peer spread over several
 * single-writer entities (one entity's persists are strictly one after another) while each
 * conversation keeps one queue, and so its order: a relay goes to the bucket of its
 * conversation, a delivery report to the bucket of its message; what is not tied to one of them
 * (wake, revocation, a peer's {@code delivery_ack}, which names only the message) goes to every
 * bucket. The same split holds for an origin's replay ledger, by message.
 */
public final class Outboxes {
    public static final int BUCKETS = 16;

    private Outboxes() {}

    /** The peer an outbox or ledger entity id belongs to. */
    public static String peerOf(String entityId) {
        int hash = entityId.lastIndexOf('#');
        return hash < 0 ? entityId : entityId.substring(0, hash);
    }

    public static String entityId(String peer, int bucket) {
        return peer + "#" + bucket;
    }

    private static int bucket(UUID id) {
        return Math.floorMod(id.hashCode(), BUCKETS);
    }

    /** The outbox a conversation's relays to {@code peer} queue in. */
    public static EntityRef<OutboxCommand> forConversation(ClusterSharding sharding, String peer, UUID conversationId) {
        return sharding.entityRefFor(OutboxCommand.ENTITY_TYPE_KEY, entityId(peer, bucket(conversationId)));
    }

    /** The outbox a message's delivery reports to {@code peer} collect in. */
    public static EntityRef<OutboxCommand> forMessage(ClusterSharding sharding, String peer, UUID messageId) {
        return sharding.entityRefFor(OutboxCommand.ENTITY_TYPE_KEY, entityId(peer, bucket(messageId)));
    }

    /** Every outbox of {@code peer}. */
    public static List<EntityRef<OutboxCommand>> all(ClusterSharding sharding, String peer) {
        List<EntityRef<OutboxCommand>> all = new ArrayList<>(BUCKETS);
        for (int b = 0; b < BUCKETS; b++) {
            all.add(sharding.entityRefFor(OutboxCommand.ENTITY_TYPE_KEY, entityId(peer, b)));
        }
        return all;
    }

    /** Tells every outbox of {@code peer}. */
    public static void tellAll(ClusterSharding sharding, String peer, OutboxCommand command) {
        all(sharding, peer).forEach(outbox -> outbox.tell(command));
    }

    /** The replay ledger that records a message from {@code origin}. */
    public static EntityRef<LedgerCommand> ledger(ClusterSharding sharding, String origin, UUID messageId) {
        return sharding.entityRefFor(LedgerCommand.ENTITY_TYPE_KEY, entityId(origin, bucket(messageId)));
    }
}
