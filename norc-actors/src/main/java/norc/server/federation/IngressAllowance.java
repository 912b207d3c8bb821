package norc.server.federation;

import norc.server.federation.api.IngressCommand;
import norc.server.federation.api.IngressReply;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * One peer's ingress budget for the whole cluster (spec §6.16, profile §5.3): a token bucket of
 * requests (refilled over 60 s) and body bytes (over 300 s), full at start. Nodes lease from it
 * in shares ({@link IngressBudget}), so adding nodes does not multiply what a peer may send.
 *
 * <p>Sharded, one entity per peer, in memory and never passivated (a few peers, a few numbers
 * each). Supervision: none beyond sharding's: a crash, or the loss of the node it lives on,
 * restarts it elsewhere with a full bucket, which lets a peer send at most one more budget's
 * worth once; nothing else depends on its state.
 */
public final class IngressAllowance {
    static final double REQUEST_WINDOW_SECONDS = 60;
    static final double BYTE_WINDOW_SECONDS = 300;

    public static void init(ActorSystem<?> system, FederationSettings.Ingress limits) {
        ClusterSharding.get(system).init(Entity.of(IngressCommand.ENTITY_TYPE_KEY, context -> create(limits))
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    }

    public static Behavior<IngressCommand> create(FederationSettings.Ingress limits) {
        return Behaviors.setup(context -> new IngressAllowance(limits, System.nanoTime()).receive());
    }

    private final double maxRequests;
    private final double maxBytes;
    private double requests;
    private double bytes;
    private long updatedAt;

    private IngressAllowance(FederationSettings.Ingress limits, long now) {
        this.maxRequests = limits.requestsPerMinute();
        this.maxBytes = limits.bytesPerFiveMinutes();
        this.requests = maxRequests;
        this.bytes = maxBytes;
        this.updatedAt = now;
    }

    private Behavior<IngressCommand> receive() {
        return Behaviors.receive(IngressCommand.class)
                .onMessage(IngressCommand.Lease.class, lease -> {
                    lease.replyTo().tell(lease(lease, System.nanoTime()));
                    return Behaviors.same();
                })
                .build();
    }

    private IngressReply lease(IngressCommand.Lease lease, long now) {
        double seconds = (now - updatedAt) / 1e9;
        updatedAt = now;
        requests = Math.min(maxRequests, requests + seconds * maxRequests / REQUEST_WINDOW_SECONDS);
        bytes = Math.min(maxBytes, bytes + seconds * maxBytes / BYTE_WINDOW_SECONDS);
        if (requests >= lease.needRequests() && bytes >= lease.needBytes()) {
            long grantedRequests = (long) Math.min(Math.max(lease.wantRequests(), lease.needRequests()), Math.floor(requests));
            long grantedBytes = (long) Math.min(Math.max(lease.wantBytes(), lease.needBytes()), Math.floor(bytes));
            requests -= grantedRequests;
            bytes -= grantedBytes;
            return new IngressReply.Granted(grantedRequests, grantedBytes);
        }
        double waitRequests = requests >= lease.needRequests() ? 0
                : (lease.needRequests() - requests) * REQUEST_WINDOW_SECONDS / maxRequests;
        double waitBytes = bytes >= lease.needBytes() ? 0 : (lease.needBytes() - bytes) * BYTE_WINDOW_SECONDS / maxBytes;
        return new IngressReply.Refused(Math.max(1, (long) Math.ceil(Math.max(waitRequests, waitBytes))));
    }
}
