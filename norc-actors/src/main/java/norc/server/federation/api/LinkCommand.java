package norc.server.federation.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.TrustRevocationReason;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to this server's link to a peer (sharded by the peer's {@code server_id}): one
 * link per peer for the whole cluster, as federation profile §3 requires (the peer keeps one link
 * per origin server, the newest hello replacing older state and window).
 */
public interface LinkCommand extends Contract {

    EntityTypeKey<LinkCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(LinkCommand.class, "FederationLink");

    /** The link to {@code peer}, on whichever node it lives. */
    static EntityRef<LinkCommand> to(ClusterSharding sharding, String peer) {
        return sharding.entityRefFor(ENTITY_TYPE_KEY, peer);
    }

    /** Send one request to the peer, built and signed at send time; the answer, or why not, goes to {@code replyTo}. */
    record Send(Outgoing what, ActorRef<LinkReply> replyTo) implements LinkCommand {}

    /** Tear the connection down now (trust revoked); what waits is answered {@code 5001}; the next request dials again. */
    record Cut(String why) implements LinkCommand {}

    /** What can be sent. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = Relay.class, name = "relay"),
            @JsonSubTypes.Type(value = Ack.class, name = "delivery-ack"),
            @JsonSubTypes.Type(value = Keys.class, name = "key-request"),
            @JsonSubTypes.Type(value = TrustCapability.class, name = "trust-capability"),
            @JsonSubTypes.Type(value = TrustRequest.class, name = "trust-request"),
            @JsonSubTypes.Type(value = TrustResponse.class, name = "trust-response"),
            @JsonSubTypes.Type(value = TrustRevoke.class, name = "trust-revoke")})
    sealed interface Outgoing {}

    record Relay(RelayEntry entry) implements Outgoing {}

    record Ack(UUID messageId, String originServer, List<UUID> deliveredTo, List<UUID> failedDevices) implements Outgoing {}

    /** {@code filter}: the devices asked for, or null for all. */
    record Keys(List<String> userIds, List<UUID> filter) implements Outgoing {}

    /** NORC-T (profile §6.2): this server's capability, a request for a level, a response to a challenge, a revocation. */
    record TrustCapability(boolean offered) implements Outgoing {}

    record TrustRequest(TrustLevel level) implements Outgoing {}

    record TrustResponse(UUID challengeId, byte[] challengeData) implements Outgoing {}

    record TrustRevoke(TrustRevocationReason reason) implements Outgoing {}
}
