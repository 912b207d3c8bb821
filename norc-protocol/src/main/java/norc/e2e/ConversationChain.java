package norc.e2e;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.MessageSend;

/**
 * The per-conversation end-to-end hash chains of one device (profile §6): {@code e2e_sequence}
 * counts this sender's messages in a conversation from 0, and {@code e2e_prev_hash} is
 * {@code B3(ciphertext)} of the previous one (zero for the first). The outgoing side hands out the
 * next link; the incoming side verifies each sender's chain. A sender first seen mid-chain (this
 * device joined later) anchors the chain at that message. The server never sees this state. Not
 * thread-safe.
 */
public final class ConversationChain {
    private static final byte[] ZERO_HASH = new byte[32];

    /** A position in a sender's chain. */
    public record Link(long sequence, byte[] prevHash) {}

    private record Key(UUID conversationId, UUID senderDeviceId) {}

    private final Map<UUID, Link> outgoing = new HashMap<>();
    private final Map<Key, Link> incoming = new HashMap<>();

    /** The link the next message this device sends in {@code conversationId} must carry. */
    public Link next(UUID conversationId) {
        return outgoing.getOrDefault(conversationId, new Link(0, ZERO_HASH));
    }

    /** Records that {@code sent} was sent, advancing this device's chain in its conversation. */
    public void recordSent(MessageSend sent) {
        outgoing.put(sent.conversationId(), new Link(sent.e2eSequence() + 1, Blake3.hash(sent.ciphertext())));
    }

    /**
     * Checks that {@code received} continues its sender's chain and advances it; a message whose
     * sequence or previous hash does not follow is {@code CHAIN_MISMATCH} and leaves the chain as
     * it was.
     */
    public void verify(MessageSend received, UUID senderDeviceId) {
        Key key = new Key(received.conversationId(), Objects.requireNonNull(senderDeviceId));
        Link expected = incoming.get(key);
        if (expected != null && (received.e2eSequence() != expected.sequence()
                || !MessageDigest.isEqual(received.e2ePrevHash(), expected.prevHash()))) {
            throw new NorcException(ErrorCode.CHAIN_MISMATCH, "conversation chain broken");
        }
        incoming.put(key, new Link(received.e2eSequence() + 1, Blake3.hash(received.ciphertext())));
    }
}
