package norc.server.connection;

import java.util.EnumMap;
import java.util.Map;
import norc.server.ServerSettings;
import norc.server.device.TokenBucket;

/**
 * One connection's budgets for what is relayed or signed but never stored ({@code
 * norc.limits.session}): presence updates, key exchanges, time syncs, and acknowledgements. Owned by its
 * {@link ConnectionActor}, not thread-safe, not persisted: a new connection starts full, but costs
 * a full handshake and authentication.
 */
final class SessionBudgets {
    enum Kind { PRESENCE, KEY_EXCHANGE, TIME_SYNC, ACK, CHUNK_UPLOAD, CHUNK_REQUEST }

    /** Groups profile B.3: 1200 chunk uploads and 1200 chunk requests a minute, bursts of 1600 (per session, so per device). */
    static final int CHUNKS_PER_MINUTE = 1200;
    static final int CHUNK_BURST = 1600;

    private final Map<Kind, TokenBucket> buckets = new EnumMap<>(Kind.class);

    SessionBudgets(ServerSettings.Limits.Session limits, long nowNanos) {
        buckets.put(Kind.PRESENCE, new TokenBucket(limits.presenceBurst(), limits.presencePerMinute(), nowNanos));
        buckets.put(Kind.KEY_EXCHANGE, new TokenBucket(limits.keyExchangeBurst(), limits.keyExchangesPerMinute(), nowNanos));
        buckets.put(Kind.TIME_SYNC, new TokenBucket(limits.timeSyncBurst(), limits.timeSyncsPerMinute(), nowNanos));
        buckets.put(Kind.ACK, new TokenBucket(limits.ackBurst(), limits.acksPerMinute(), nowNanos));
        buckets.put(Kind.CHUNK_UPLOAD, new TokenBucket(CHUNK_BURST, CHUNKS_PER_MINUTE, nowNanos));
        buckets.put(Kind.CHUNK_REQUEST, new TokenBucket(CHUNK_BURST, CHUNKS_PER_MINUTE, nowNanos));
    }

    /** Spends one of {@code kind}: 0 when allowed, else the seconds to wait ({@code retry_after}). */
    long spend(Kind kind) {
        return buckets.get(kind).take(System.nanoTime());
    }
}
