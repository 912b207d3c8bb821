package norc.server.audit.api;

import java.util.Objects;
import norc.server.contract.Contract;

/** The audit journal's events (names in {@link norc.server.contract.ContractNames}); never deleted. */
public sealed interface AuditJournalEvent extends Contract {

    /**
     * One entry of the chain (spec §6.18): {@code entryHash = B3(prev_hash || canonicalEntry)},
     * {@code canonicalEntry} as {@link norc.audit.AuditEntry} encodes it, holding the same
     * {@code sequence} and {@code timestamp} (epoch ms).
     */
    record EntryAppended(long sequence, long timestamp, byte[] canonicalEntry, byte[] entryHash) implements AuditJournalEvent {
        public EntryAppended {
            Objects.requireNonNull(canonicalEntry, "canonicalEntry");
            Objects.requireNonNull(entryHash, "entryHash");
        }
    }

    /**
     * A stored row that no longer decodes as an {@link EntryAppended} (damaged or tampered with):
     * what the serializer reads instead of failing, so that the journal still recovers and the
     * verifier can name the row. Never written: it has no contract name.
     */
    record EntryUnreadable(byte[] storedBytes) implements AuditJournalEvent {}
}
