package norc.server.federation;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-peer ingress limits (spec §6.16, federation profile §5.3): each POST counts 1 against 1000 per
 * 60 s and its body bytes against 10^8 per 300 s; token buckets, full at start, refilled
 * continuously. Past either the request is answered {@code 6001} with the seconds until it fits.
 * Counted on each node: a peer's one connection lands on one node at a time, so the per-node
 * budget is the peer's budget unless it spreads connections over nodes (then it is multiplied by
 * the nodes it reaches; README says so). Thread-safe.
 */
final class IngressBudget {
    static final double REQUEST_WINDOW_SECONDS = 60;
    static final double BYTE_WINDOW_SECONDS = 300;

    private final double maxRequests;
    private final double maxBytes;
    private final ConcurrentHashMap<String, Buckets> peers = new ConcurrentHashMap<>();

    IngressBudget(FederationSettings.Ingress limits) {
        this.maxRequests = limits.requestsPerMinute();
        this.maxBytes = limits.bytesPerFiveMinutes();
    }

    /** Takes one request of {@code bytes} for {@code peer}: 0 when it fits, else the seconds to wait (≥ 1). */
    long take(String peer, long bytes) {
        return peers.computeIfAbsent(peer, p -> new Buckets(System.nanoTime())).take(bytes, System.nanoTime());
    }

    private final class Buckets {
        private double requests = maxRequests;
        private double bytes = maxBytes;
        private long updatedAt;

        Buckets(long now) {
            this.updatedAt = now;
        }

        synchronized long take(long size, long now) {
            double seconds = (now - updatedAt) / 1e9;
            updatedAt = now;
            requests = Math.min(maxRequests, requests + seconds * maxRequests / REQUEST_WINDOW_SECONDS);
            bytes = Math.min(maxBytes, bytes + seconds * maxBytes / BYTE_WINDOW_SECONDS);
            if (requests >= 1 && bytes >= size) {
                requests -= 1;
                bytes -= size;
                return 0;
            }
            double waitRequests = requests >= 1 ? 0 : (1 - requests) * REQUEST_WINDOW_SECONDS / maxRequests;
            double waitBytes = bytes >= size ? 0 : (size - bytes) * BYTE_WINDOW_SECONDS / maxBytes;
            return Math.max(1, (long) Math.ceil(Math.max(waitRequests, waitBytes)));
        }
    }
}
