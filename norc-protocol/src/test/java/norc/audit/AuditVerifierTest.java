package norc.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import norc.audit.AuditVerifier.Entry;
import norc.audit.AuditVerifier.Problem;
import org.junit.jupiter.api.Test;

/** {@link AuditVerifier} on a genuine chain and on copies altered, cut, padded and shuffled. */
class AuditVerifierTest {

    /** A genuine chain of {@code n} entries, sequences 1..n. */
    static List<Entry> chain(int n) {
        List<Entry> log = new ArrayList<>();
        byte[] prev = AuditChain.GENESIS;
        for (int i = 1; i <= n; i++) {
            byte[] canonical = AuditEntry.of(i, 1_700_000_000_000L + i, "authentication.failed",
                    Map.of("code", "1001", "user", "u:" + "0".repeat(31) + i % 10)).encode();
            byte[] hash = AuditChain.entryHash(prev, canonical);
            log.add(new Entry(i, 1_700_000_000_000L + i, canonical, hash));
            prev = hash;
        }
        return log;
    }

    @Test
    void aGenuineChainHolds() {
        List<Entry> log = chain(10);
        assertThat(AuditVerifier.firstBadEntry(log)).isNull();
        assertThat(AuditVerifier.firstBadEntry(List.of())).isNull();
        AuditVerifier verifier = new AuditVerifier();
        log.forEach(verifier::accept);
        assertThat(verifier.entries()).isEqualTo(10);
        assertThat(verifier.lastHash()).isEqualTo(log.get(9).entryHash());
    }

    @Test
    void anAlteredEntryIsNamed() {
        List<Entry> log = chain(6);
        Entry third = log.get(2);
        byte[] changed = third.canonicalEntry().clone();
        changed[changed.length - 1] ^= 1; // one byte of a field value
        log.set(2, new Entry(3, third.timestamp(), changed, third.entryHash()));
        assertBreak(log, 3, Problem.ALTERED);
    }

    @Test
    void anEntryRewrittenWithItsOwnHashBreaksTheNextLink() {
        List<Entry> log = chain(6);
        byte[] forged = AuditEntry.of(3, log.get(2).timestamp(), "admin.action", Map.of()).encode();
        log.set(2, new Entry(3, log.get(2).timestamp(), forged, AuditChain.entryHash(log.get(1).entryHash(), forged)));
        assertBreak(log, 4, Problem.ALTERED);
    }

    @Test
    void anUnreadableOrUndecodableEntryIsAltered() {
        List<Entry> log = chain(5);
        log.set(1, Entry.unreadable(2));
        assertBreak(log, 2, Problem.ALTERED);

        List<Entry> garbled = chain(5);
        garbled.set(3, new Entry(4, garbled.get(3).timestamp(), new byte[] {1, 2, 3}, garbled.get(3).entryHash()));
        assertBreak(garbled, 4, Problem.ALTERED);

        List<Entry> relabelled = chain(5); // the listed sequence disagrees with the canonical bytes
        Entry e = relabelled.get(3);
        relabelled.set(3, new Entry(9, e.timestamp(), e.canonicalEntry(), e.entryHash()));
        assertBreak(relabelled, 9, Problem.ALTERED);
    }

    @Test
    void aDeletedEntryIsMissingAndTheNextOneIsNamed() {
        List<Entry> log = chain(8);
        log.remove(4); // sequence 5
        assertBreak(log, 6, Problem.MISSING);

        List<Entry> head = chain(4);
        head.remove(0);
        assertBreak(head, 2, Problem.MISSING);
    }

    @Test
    void swappedEntriesAreReordered() {
        List<Entry> log = chain(8);
        Entry third = log.get(2);
        log.set(2, log.get(4));
        log.set(4, third); // 1 2 5 4 3 6 7 8
        assertBreak(log, 5, Problem.REORDERED);

        List<Entry> late = chain(5);
        late.add(late.remove(1)); // 1 3 4 5 2
        assertBreak(late, 3, Problem.REORDERED);
    }

    @Test
    void aDuplicateSequenceIsInserted() {
        List<Entry> log = chain(6);
        Entry copy = log.get(2);
        log.add(4, copy); // 1 2 3 4 3 5 6
        assertBreak(log, 3, Problem.INSERTED);

        List<Entry> forged = chain(4);
        byte[] canonical = AuditEntry.of(2, 7, "admin.action", Map.of()).encode();
        forged.add(2, new Entry(2, 7, canonical, AuditChain.entryHash(forged.get(1).entryHash(), canonical)));
        assertBreak(forged, 2, Problem.INSERTED);
    }

    private static void assertBreak(List<Entry> log, long sequence, Problem problem) {
        AuditVerifier.Break found = AuditVerifier.firstBadEntry(log);
        assertThat(found).isNotNull();
        assertThat(found.sequence()).isEqualTo(sequence);
        assertThat(found.problem()).isEqualTo(problem);
    }
}
