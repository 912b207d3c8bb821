package norc.server.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import norc.audit.AuditEntry;
import norc.audit.AuditVerifier;
import norc.server.audit.api.AuditJournalEvent.EntryAppended;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The audit log as the database holds it (spec §6.18), read with pekko-persistence-jdbc's query
 * API straight from the journal table, not from the {@link AuditJournal} actor: a row changed,
 * removed or moved in the database shows at once, without a restart. A row that no longer decodes
 * is listed as unreadable at its place. Used by the admin API ({@code /admin/audit/...}).
 */
public final class AuditEntries {

    /** One listed entry; {@code kind} is null when its canonical bytes do not decode. */
    public record Listed(long journalSequence, AuditVerifier.Entry entry, String kind) {}

    /** {@code nextFrom}: where the next page starts, absent when this one reached the end. */
    public record Page(List<Listed> entries, OptionalLong nextFrom) {}

    /** {@code root}: the {@code entry_hash} of the day's last entry (UTC), the day's root hash to publish. */
    public record DayRoot(LocalDate day, long lastSequence, byte[] root) {}

    public static final int MAX_PAGE = 1000;
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ROOTS_TIMEOUT = Duration.ofSeconds(60);

    private final ActorSystem<?> system;
    private final JdbcReadJournal journal;

    private AuditEntries(ActorSystem<?> system, JdbcReadJournal journal) {
        this.system = system;
        this.journal = journal;
    }

    public static AuditEntries of(ActorSystem<?> system) {
        return new AuditEntries(system, PersistenceQuery.get(Adapter.toClassic(system))
                .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier()));
    }

    /** Up to {@code limit} entries from journal sequence {@code from} on, in journal order; fails when the database does not answer. */
    public CompletionStage<Page> page(long from, int limit) {
        return journal.currentEventsByPersistenceId(AuditJournal.PERSISTENCE_ID.id(), Math.max(1, from), Long.MAX_VALUE)
                .take(limit)
                .map(AuditEntries::listed)
                .completionTimeout(PAGE_TIMEOUT)
                .runWith(Sink.seq(), system)
                .thenApply(entries -> new Page(List.copyOf(entries), entries.size() < limit ? OptionalLong.empty()
                        : OptionalLong.of(entries.get(entries.size() - 1).journalSequence() + 1)));
    }

    /** The root of every UTC day that has entries, oldest first (unreadable rows are skipped). */
    public CompletionStage<List<DayRoot>> roots() {
        return journal.currentEventsByPersistenceId(AuditJournal.PERSISTENCE_ID.id(), 1, Long.MAX_VALUE)
                .completionTimeout(ROOTS_TIMEOUT)
                .runFold(new TreeMap<LocalDate, DayRoot>(), AuditEntries::lastOfDay, system)
                .thenApply(days -> List.copyOf(new ArrayList<>(days.values())));
    }

    private static TreeMap<LocalDate, DayRoot> lastOfDay(TreeMap<LocalDate, DayRoot> days, EventEnvelope envelope) {
        if (envelope.event() instanceof EntryAppended entry) {
            LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(entry.timestamp()), ZoneOffset.UTC);
            days.put(day, new DayRoot(day, entry.sequence(), entry.entryHash()));
        }
        return days;
    }

    private static Listed listed(EventEnvelope envelope) {
        if (!(envelope.event() instanceof EntryAppended entry)) {
            return new Listed(envelope.sequenceNr(), AuditVerifier.Entry.unreadable(envelope.sequenceNr()), null);
        }
        String kind;
        try {
            kind = AuditEntry.decode(entry.canonicalEntry()).kind();
        } catch (IllegalArgumentException e) {
            kind = null;
        }
        return new Listed(envelope.sequenceNr(),
                new AuditVerifier.Entry(entry.sequence(), entry.timestamp(), entry.canonicalEntry(), entry.entryHash()), kind);
    }
}
