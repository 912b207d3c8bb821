package norc.client;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import norc.e2e.ConversationChain;

/**
 * Where a device keeps the head of its own end-to-end chain per conversation (profile §6:
 * {@code e2e_sequence} counts this device's messages in a conversation, {@code e2e_prev_hash}
 * chains them). Recipients reject a message that does not continue the chain they saw, so this
 * state must outlive the process whenever the same device sends again later (the CLI keeps it in a
 * file beside the identity). {@link NorcClient} saves a link only after the server accepted the
 * message, so a refused message does not leave a gap.
 */
public interface ChainStore {

    /** The link the next message of this device in {@code conversationId} must carry. */
    ConversationChain.Link next(UUID conversationId);

    /** Records the link after a message was accepted. */
    void save(UUID conversationId, ConversationChain.Link next);

    /** A store that lives as long as the process. */
    static ChainStore inMemory() {
        return new ChainStore() {
            private final Map<UUID, ConversationChain.Link> links = new ConcurrentHashMap<>();

            @Override
            public ConversationChain.Link next(UUID conversationId) {
                return links.getOrDefault(conversationId, new ConversationChain.Link(0, new byte[32]));
            }

            @Override
            public void save(UUID conversationId, ConversationChain.Link next) {
                links.put(conversationId, next);
            }
        };
    }
}
