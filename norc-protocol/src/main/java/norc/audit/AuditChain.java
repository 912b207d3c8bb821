package norc.audit;

import java.security.MessageDigest;
import java.util.List;
import norc.crypto.Blake3;

/**
 * The audit log's hash chain (spec §6.18): {@code entry_hash = B3(prev_hash || canonical_entry)},
 * starting from 32 zero bytes. The server's audit journal appends entries through this rule; an
 * auditor re-walks a log with {@link #verify} to prove nothing was removed, reordered or altered.
 * Entries hold no plaintext content or keys, and user ids pseudonymized, by the spec's rule.
 */
public final class AuditChain {
    /** The {@code prev_hash} of the first entry. */
    public static final byte[] GENESIS = new byte[32];

    /** One entry as stored: its canonical bytes and the hash recorded for it. */
    public record Entry(byte[] canonicalEntry, byte[] entryHash) {}

    private AuditChain() {}

    public static byte[] entryHash(byte[] prevHash, byte[] canonicalEntry) {
        return Blake3.hash(prevHash, canonicalEntry);
    }

    /** The index of the first entry whose recorded hash breaks the chain, or -1 if the whole log holds. */
    public static int firstBrokenLink(List<Entry> log) {
        byte[] prev = GENESIS;
        for (int i = 0; i < log.size(); i++) {
            Entry entry = log.get(i);
            byte[] expected = entryHash(prev, entry.canonicalEntry());
            if (!MessageDigest.isEqual(expected, entry.entryHash())) {
                return i;
            }
            prev = expected;
        }
        return -1;
    }

    public static boolean verify(List<Entry> log) {
        return firstBrokenLink(log) < 0;
    }
}
