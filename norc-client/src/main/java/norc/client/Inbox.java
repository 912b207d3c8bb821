package norc.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.MessageSend;

/**
 * The receiving end of the end-to-end layer for one device (profile §6): remembers which message
 * ids it accepted (delivery is at-least-once, so copies are expected), opens envelopes (sender
 * signature, key unwrap, decryption) and checks each sender's conversation chain. A message that
 * fails leaves no trace, so a genuine copy arriving later still gets in. Not thread-safe: the
 * client's inbound thread owns it.
 */
final class Inbox {
    private final UUID deviceId;
    private final byte[] kexSecretKey;
    private final ConversationChain chains = new ConversationChain();
    private final Map<UUID, Boolean> accepted;

    Inbox(UUID deviceId, byte[] kexSecretKey, int rememberedIds) {
        this.deviceId = deviceId;
        this.kexSecretKey = kexSecretKey;
        this.accepted = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                return size() > rememberedIds;
            }
        };
    }

    /** Whether {@code messageId} was accepted already (a redelivery to acknowledge again). */
    boolean isDuplicate(UUID messageId) {
        return accepted.containsKey(messageId);
    }

    /**
     * Verifies and decrypts {@code message} from {@code senderDeviceId} whose Ed25519 key is
     * {@code senderSigningKey}; on success remembers its id and advances the sender's chain.
     *
     * @throws NorcException {@code INVALID_SIGNATURE}, {@code FORBIDDEN}, {@code DECRYPT_FAILED},
     *     {@code CHAIN_MISMATCH} or {@code WEAK_KEY}
     */
    byte[] open(MessageSend message, UUID senderDeviceId, byte[] senderSigningKey) {
        if (!message.keys().containsKey(deviceId)) {
            throw new NorcException(ErrorCode.FORBIDDEN, "no key wrapped for this device");
        }
        byte[] content = Envelope.open(message, deviceId, kexSecretKey, senderSigningKey);
        chains.verify(message, senderDeviceId);
        accepted.put(message.messageId(), Boolean.TRUE);
        return content;
    }
}
