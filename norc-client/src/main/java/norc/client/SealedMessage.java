package norc.client;

import java.util.Objects;
import java.util.UUID;
import norc.e2e.ConversationChain;
import norc.wire.message.MessageSend;

/**
 * A {@code message_send} sealed by {@link NorcClient#seal} and not yet accepted: the envelope,
 * the signature and the chain link (profile §6) fixed, so that it can be sent again unchanged
 * after a lost connection or a {@code 9002}. It must go again as the same bytes: the server stores
 * a {@code message_id} once (its inboxes deduplicate), and a recipient that got the first copy
 * expects the next message to chain on this ciphertext; sealing the content again would make a
 * second message with the same sequence. A group message ({@link NorcClient#sealForGroup}) also
 * keeps its content key until {@link #erase}: after a {@code 3013} it is wrapped again for the
 * group's devices as they are then, the same message otherwise (groups profile A.5).
 * {@link #toString} shows no content.
 */
public final class SealedMessage {
    final MessageSend message;
    final UUID senderDeviceId;
    final int deviceCount;
    /** A group message's content key, or null (a 1:1 message, or erased). */
    final byte[] contentKey;

    SealedMessage(MessageSend message, UUID senderDeviceId, int deviceCount) {
        this(message, senderDeviceId, deviceCount, null);
    }

    SealedMessage(MessageSend message, UUID senderDeviceId, int deviceCount, byte[] contentKey) {
        this.message = Objects.requireNonNull(message, "message");
        this.senderDeviceId = Objects.requireNonNull(senderDeviceId, "senderDeviceId");
        this.deviceCount = deviceCount;
        this.contentKey = contentKey;
    }

    /** Whether this is a group message (no recipients on the wire, groups profile A.5). */
    boolean toGroup() {
        return message.recipients().isEmpty();
    }

    /** Erases a group message's content key (after acceptance, or when giving up); nothing for a 1:1 message. */
    public void erase() {
        if (contentKey != null) {
            java.util.Arrays.fill(contentKey, (byte) 0);
        }
    }

    public UUID messageId() {
        return message.messageId();
    }

    public UUID conversationId() {
        return message.conversationId();
    }

    /** The position in this device's chain of the conversation ({@code e2e_sequence}). */
    public long e2eSequence() {
        return message.e2eSequence();
    }

    /** The devices a content key was wrapped for. */
    public int deviceCount() {
        return deviceCount;
    }

    /** The link this message carries ({@code e2e_sequence}, {@code e2e_prev_hash}). */
    ConversationChain.Link link() {
        return new ConversationChain.Link(message.e2eSequence(), message.e2ePrevHash());
    }

    @Override
    public String toString() {
        return "SealedMessage[" + message.messageId() + "]";
    }
}
