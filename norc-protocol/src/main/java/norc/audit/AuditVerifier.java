package norc.audit;

import java.security.MessageDigest;
import java.util.List;

/**
 * Verifies an audit log as listed by the server (spec §6.18), independently of the server: every
 * entry's canonical bytes must decode and agree with its listed sequence and timestamp, sequences
 * must run 1, 2, 3, … in listing order, and every {@code entry_hash} must be
 * {@code B3(prev_hash || canonical_entry)} from the genesis hash on. The first entry that breaks
 * the chain is named with what is wrong with it:
 * <ul>
 *   <li>{@link Problem#ALTERED}: unreadable, undecodable, disagreeing with its own canonical bytes,
 *       or its hash does not follow (the entry itself or the one before it was changed);</li>
 *   <li>{@link Problem#MISSING}: a gap, the entry named is the first one after it;</li>
 *   <li>{@link Problem#REORDERED}: an entry ahead of its place, the skipped ones appearing later;</li>
 *   <li>{@link Problem#INSERTED}: a sequence already seen (a second entry claiming a place).</li>
 * </ul>
 * Entries are fed in listing order ({@link #accept}), so a log of any length is verified in
 * constant memory; {@link #firstBadEntry} does it for a list. Removing entries from the end of the
 * log is not visible in the chain itself: compare the last entry with a published daily root.
 */
public final class AuditVerifier {

    /** What is wrong with the first bad entry. */
    public enum Problem {
        ALTERED, MISSING, REORDERED, INSERTED;

        /** The lowercase word used in reports and JSON. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One entry as listed. {@code canonicalEntry} and {@code entryHash} are null when the stored
     * row could not be read at all; then {@code sequence} is the row's place in the journal.
     */
    public record Entry(long sequence, long timestamp, byte[] canonicalEntry, byte[] entryHash) {
        public static Entry unreadable(long sequence) {
            return new Entry(sequence, 0, null, null);
        }

        public boolean readable() {
            return canonicalEntry != null && entryHash != null;
        }
    }

    /** The first entry that breaks the chain, and how. */
    public record Break(Entry entry, Problem problem) {
        public long sequence() {
            return entry.sequence();
        }
    }

    private byte[] prevHash = AuditChain.GENESIS;
    private long expected = 1;
    private long entries;
    private Break found;
    /** A gap at {@code pending}: MISSING unless an entry of {@code [gapFrom, gapTo]} appears later. */
    private Entry pending;
    private long gapFrom;
    private long gapTo;

    /** The first bad entry of {@code log} in listing order, or null when the whole chain holds. */
    public static Break firstBadEntry(List<Entry> log) {
        AuditVerifier verifier = new AuditVerifier();
        log.forEach(verifier::accept);
        return verifier.result();
    }

    /** Takes the next entry in listing order. */
    public void accept(Entry entry) {
        entries++;
        if (pending != null) {
            if (entry.sequence() >= gapFrom && entry.sequence() <= gapTo) {
                found = new Break(pending, Problem.REORDERED);
                pending = null;
            }
            return;
        }
        if (found != null) {
            return;
        }
        found = check(entry);
    }

    /** The first bad entry of what was accepted, or null when the chain holds so far. */
    public Break result() {
        return pending != null ? new Break(pending, Problem.MISSING) : found;
    }

    /** Entries accepted. */
    public long entries() {
        return entries;
    }

    /** The {@code entry_hash} of the last entry that verified (the genesis hash before any). */
    public byte[] lastHash() {
        return prevHash.clone();
    }

    private Break check(Entry entry) {
        if (!entry.readable() || entry.entryHash().length != AuditChain.GENESIS.length) {
            return new Break(entry, Problem.ALTERED);
        }
        AuditEntry decoded;
        try {
            decoded = AuditEntry.decode(entry.canonicalEntry());
        } catch (IllegalArgumentException e) {
            return new Break(entry, Problem.ALTERED);
        }
        if (decoded.sequence() != entry.sequence() || decoded.timestamp() != entry.timestamp()) {
            return new Break(entry, Problem.ALTERED);
        }
        if (entry.sequence() < expected) {
            return new Break(entry, Problem.INSERTED); // every sequence below expected was seen once already
        }
        if (entry.sequence() > expected) {
            pending = entry;
            gapFrom = expected;
            gapTo = entry.sequence() - 1;
            return null;
        }
        byte[] hash = AuditChain.entryHash(prevHash, entry.canonicalEntry());
        if (!MessageDigest.isEqual(hash, entry.entryHash())) {
            return new Break(entry, Problem.ALTERED);
        }
        prevHash = hash;
        expected++;
        return null;
    }
}
