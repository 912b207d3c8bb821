package norc.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import norc.e2e.ConversationChain;
import norc.wire.message.MessageSend;

/**
 * What one device remembers of the messages it accepted (profile §6): their ids, the most recent
 * {@code rememberedIds} of them, so that a copy delivered again is dropped instead of shown twice,
 * and each sender's conversation chain, so that the chain check goes on where it stood. Delivery
 * is at-least-once: the server offers every message again until the device acknowledged it, also
 * on the device's next connection (spec §9.2 store-and-forward). A {@link NorcClient} keeps a
 * history per connection unless {@link NorcClient.Options#withReceiveHistory} gives it one;
 * {@link ReconnectingClient} gives all of its connections the same one, so that the application
 * sees each message once across reconnects. Thread-safe; nothing here is written anywhere.
 */
public final class ReceiveHistory {
    /** How many accepted message ids a history remembers by default. */
    public static final int DEFAULT_REMEMBERED_IDS = 16_384;

    private final ConversationChain chains = new ConversationChain();
    private final Map<UUID, Boolean> accepted;
    private final AtomicLong duplicatesDropped = new AtomicLong();

    private ReceiveHistory(int rememberedIds) {
        if (rememberedIds <= 0) {
            throw new IllegalArgumentException("rememberedIds must be positive");
        }
        this.accepted = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                return size() > rememberedIds;
            }
        };
    }

    /** A history remembering {@link #DEFAULT_REMEMBERED_IDS} ids. */
    public static ReceiveHistory create() {
        return new ReceiveHistory(DEFAULT_REMEMBERED_IDS);
    }

    public static ReceiveHistory create(int rememberedIds) {
        return new ReceiveHistory(rememberedIds);
    }

    /** Copies delivered again and dropped (acknowledged again, not shown), since this history was made. */
    public long duplicatesDropped() {
        return duplicatesDropped.get();
    }

    /** Whether {@code messageId} was accepted already (a redelivery to acknowledge again). */
    synchronized boolean isDuplicate(UUID messageId) {
        return accepted.containsKey(messageId);
    }

    void countDuplicate() {
        duplicatesDropped.incrementAndGet();
    }

    /**
     * Checks that {@code message} continues its sender's chain, then advances the chain and
     * remembers the id, in one step. Returns {@code false}, changing nothing, when the id was
     * accepted already (a copy that overtook the check for duplicates).
     *
     * @throws norc.error.NorcException {@code CHAIN_MISMATCH}, leaving the history as it was
     */
    synchronized boolean accept(MessageSend message, UUID senderDeviceId) {
        if (accepted.containsKey(message.messageId())) {
            return false;
        }
        chains.verify(message, senderDeviceId);
        accepted.put(message.messageId(), Boolean.TRUE);
        return true;
    }
}
