package norc.server.federation.api;

import norc.server.contract.Contract;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to a peer's ingress allowance (sharded by the peer's {@code server_id}): the one
 * token bucket of spec §6.16 / profile §5.3 for that peer in the whole cluster, from which each
 * node leases a share before it answers the peer's requests.
 */
public interface IngressCommand extends Contract {

    EntityTypeKey<IngressCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(IngressCommand.class, "FederationIngress");

    /**
     * Lease up to {@code wantRequests} requests and {@code wantBytes} body bytes, at least
     * {@code needRequests} and {@code needBytes} (the request waiting on it); {@code replyTo} hears
     * {@link IngressReply.Granted} or {@link IngressReply.Refused}.
     */
    record Lease(long wantRequests, long wantBytes, long needRequests, long needBytes, ActorRef<IngressReply> replyTo)
            implements IngressCommand {}
}
