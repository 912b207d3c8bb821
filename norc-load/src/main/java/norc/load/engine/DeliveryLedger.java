package norc.load.engine;

import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The total-queue check of one recipient device in {@code chat} (Jepsen's model: what was
 * acknowledged must come out, once, and nothing else). Its partner is its only sender; each
 * message's text starts with the sender's index and its sequence number ({@link ChatText}). Kept
 * cheap: the ids accepted and not yet received, the ids received before their acceptance was
 * known (both about as many as are in flight), and one bit per sequence number received.
 * Thread-safe.
 */
public final class DeliveryLedger {
    /** accepted by the server, not received yet */
    private final Set<UUID> expected = new HashSet<>();
    /** received, and not (yet) known as accepted */
    private final Map<UUID, Long> early = new HashMap<>();
    /** the sender's sequence numbers received */
    private final BitSet seen = new BitSet();
    private long sentAccepted;
    private long delivered;
    private long unexpected;
    private long duplicatesShown;

    /** The server answered {@code accepted} to the sender of {@code messageId}. */
    public synchronized void accepted(UUID messageId) {
        sentAccepted++;
        if (early.remove(messageId) != null) {
            delivered++;
        } else {
            expected.add(messageId);
        }
    }

    /**
     * The application was handed {@code messageId}, read as the sender's message {@code sequence}
     * ({@code -1}: not a message of the partner, or unreadable), when the partner had started
     * {@code sendsAttempted} sends.
     */
    public synchronized void received(UUID messageId, long sequence, long sendsAttempted) {
        boolean wasExpected = expected.remove(messageId);
        if (wasExpected) {
            delivered++;
        }
        if (sequence < 0 || sequence >= sendsAttempted || sequence > Integer.MAX_VALUE) {
            unexpected++;
            return;
        }
        if (seen.get((int) sequence)) {
            duplicatesShown++; // the same message shown again, under its id or another
            return;
        }
        seen.set((int) sequence);
        if (!wasExpected) {
            early.put(messageId, sequence);
        }
    }

    /** Accepted messages not received yet. */
    public synchronized int outstanding() {
        return expected.size();
    }

    /** The figures now; {@code redelivered} comes from the SDK's receive history. */
    public synchronized QueueTally tally(long redelivered) {
        return new QueueTally(sentAccepted, delivered, expected.size(), unexpected, duplicatesShown, redelivered,
                early.size());
    }
}
