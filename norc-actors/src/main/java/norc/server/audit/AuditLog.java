package norc.server.audit;

/**
 * Where the server writes audit events (spec §6.18). Fire-and-forget: {@link #record} never blocks
 * the caller and never throws for a well-formed event; it is thread-safe and may be called from any
 * actor or thread. The node's log (from {@link AuditJournal#start}) pseudonymises the event's ids on
 * this node, applies the per-node limits of {@link AuditKinds}, and hands it to the cluster's one
 * journal; an event in flight when that journal moves or restarts may be lost (at most once).
 */
@FunctionalInterface
public interface AuditLog {

    void record(AuditEvent event);

    /** A log that records nothing, for unit tests and tools. */
    static AuditLog none() {
        return event -> { };
    }
}
