package norc.server.federation;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A link's relay sequence window (federation profile §5.2): the numbers marked within the last
 * {@code size} below the highest, each remembering the {@code message_id} it carried, so a
 * retried request (same number, same message) gets its recorded answer while a number reused
 * for another message is a replay. Not thread-safe: its {@link InboundLinks.Link} guards it.
 */
final class SequenceWindow {

    enum Verdict {
        /** Not seen: go on. */
        FRESH,
        /** Marked for the same message: answer what was recorded. */
        SAME_MESSAGE,
        /** Marked for another message: {@code 5005}. */
        OTHER_MESSAGE,
        /** At or below {@code highest − size}: recorded answer if the message is known, else {@code 5006}. */
        BELOW
    }

    private final int size;
    private final Map<Long, UUID> marked = new HashMap<>();
    private long highest = -1;

    SequenceWindow(int size) {
        this.size = size;
    }

    Verdict check(long sequence, UUID messageId) {
        if (highest >= 0 && sequence <= highest - size) {
            return Verdict.BELOW;
        }
        UUID previous = marked.get(sequence);
        if (previous == null) {
            return Verdict.FRESH;
        }
        return previous.equals(messageId) ? Verdict.SAME_MESSAGE : Verdict.OTHER_MESSAGE;
    }

    void mark(long sequence, UUID messageId) {
        marked.put(sequence, messageId);
        if (sequence > highest) {
            long floor = sequence - size;
            highest = sequence;
            if (marked.size() > size) {
                marked.keySet().removeIf(s -> s <= floor);
            }
        }
    }
}
