package norc.server.federation;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import norc.server.federation.api.TrustSummary;

/**
 * This node's copy of every trust record ({@link TrustSummary} per peer), kept current from the
 * cluster-wide topic each {@link TrustJournal} publishes to and loaded from the journals at start;
 * read on every request, so lookups never wait for an entity. A change is applied only if newer
 * than the copy held. Thread-safe.
 */
public final class TrustView {
    private final ConcurrentHashMap<String, TrustSummary> records = new ConcurrentHashMap<>();

    /** Applies a record; returns whether it changed what this node holds. */
    public boolean update(TrustSummary summary) {
        boolean[] changed = {false};
        records.compute(summary.serverId(), (id, held) -> {
            if (held == null || summary.sequence() > held.sequence()) {
                changed[0] = true;
                return summary;
            }
            return held;
        });
        return changed[0];
    }

    public Optional<TrustSummary> get(String serverId) {
        return Optional.ofNullable(records.get(serverId));
    }

    public Collection<TrustSummary> all() {
        return records.values();
    }
}
