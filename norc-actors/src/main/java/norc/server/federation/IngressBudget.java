package norc.server.federation;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import norc.server.federation.api.IngressCommand;
import norc.server.federation.api.IngressReply;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * This node's side of the per-peer ingress limits (spec §6.16, profile §5.3: each POST counts 1
 * against 1000 per 60 s and its body bytes against 10^8 per 300 s). The budget is one per peer in
 * the cluster, kept by the peer's {@link IngressAllowance}; this node leases a share of it (a
 * fiftieth, or the request's own size if larger) and answers from that share until it runs out,
 * then leases again. Past the budget the answer is {@code 6001} with the seconds until it fits. So
 * a peer that spreads its connections over every node still gets one budget, overshooting by at
 * most one unused share per node. If the allowance does not answer within {@link #LEASE_TIMEOUT},
 * the request is refused for a second rather than admitted unmetered. Thread-safe.
 */
final class IngressBudget {
    static final Duration LEASE_TIMEOUT = Duration.ofSeconds(3);
    static final int SHARES = 50;

    private final ClusterSharding sharding;
    private final long shareRequests;
    private final long shareBytes;
    private final ConcurrentHashMap<String, Share> shares = new ConcurrentHashMap<>();

    IngressBudget(ClusterSharding sharding, FederationSettings.Ingress limits) {
        this.sharding = sharding;
        this.shareRequests = Math.max(1, limits.requestsPerMinute() / SHARES);
        this.shareBytes = Math.max(1, limits.bytesPerFiveMinutes() / SHARES);
    }

    /** Takes one request of {@code bytes} for {@code peer}: 0 when it fits, else the seconds to wait (≥ 1). */
    CompletionStage<Long> take(String peer, long bytes) {
        Share share = shares.computeIfAbsent(peer, p -> new Share());
        if (share.take(bytes)) {
            return CompletableFuture.completedFuture(0L);
        }
        return sharding.entityRefFor(IngressCommand.ENTITY_TYPE_KEY, peer)
                .<IngressReply>ask(replyTo -> new IngressCommand.Lease(shareRequests, Math.max(shareBytes, bytes), 1, bytes, replyTo),
                        LEASE_TIMEOUT)
                .handle((reply, failure) -> {
                    if (reply instanceof IngressReply.Granted granted) {
                        share.add(granted.requests() - 1, granted.bytes() - bytes);
                        return 0L;
                    }
                    if (share.take(bytes)) { // what concurrent leases brought in while this one waited
                        return 0L;
                    }
                    if (reply instanceof IngressReply.Refused refused) {
                        return refused.retryAfterSeconds();
                    }
                    return 1L;
                });
    }

    /** What this node holds of one peer's budget. */
    private static final class Share {
        private long requests;
        private long bytes;

        synchronized boolean take(long size) {
            if (requests >= 1 && bytes >= size) {
                requests -= 1;
                bytes -= size;
                return true;
            }
            return false;
        }

        synchronized void add(long moreRequests, long moreBytes) {
            requests += moreRequests;
            bytes += moreBytes;
        }
    }
}
