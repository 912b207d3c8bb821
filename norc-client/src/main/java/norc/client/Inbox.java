package norc.client;

import java.util.Optional;
import java.util.UUID;
import norc.e2e.Envelope;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.MessageSend;

/**
 * The receiving end of the end-to-end layer for one device (profile §6): opens envelopes (sender
 * signature, key unwrap, decryption) and checks each sender's conversation chain, with the ids and
 * chains kept in a {@link ReceiveHistory} (delivery is at-least-once, so copies are expected). A
 * message that fails leaves no trace, so a genuine copy arriving later still gets in. The client's
 * inbound thread uses it; the history it shares with other connections is thread-safe.
 */
final class Inbox {
    private final UUID deviceId;
    private final byte[] kexSecretKey;
    private final ReceiveHistory history;

    Inbox(UUID deviceId, byte[] kexSecretKey, ReceiveHistory history) {
        this.deviceId = deviceId;
        this.kexSecretKey = kexSecretKey;
        this.history = history;
    }

    /** Whether {@code messageId} was accepted already (a redelivery to acknowledge again). */
    boolean isDuplicate(UUID messageId) {
        return history.isDuplicate(messageId);
    }

    /** Counts a copy that was dropped as a duplicate. */
    void countDuplicate() {
        history.countDuplicate();
    }

    /**
     * Verifies and decrypts {@code message} from {@code senderDeviceId} whose Ed25519 key is
     * {@code senderSigningKey}; on success remembers its id and advances the sender's chain.
     * Empty when the id was accepted meanwhile (a duplicate).
     *
     * @throws NorcException {@code INVALID_SIGNATURE}, {@code FORBIDDEN}, {@code DECRYPT_FAILED},
     *     {@code CHAIN_MISMATCH} or {@code WEAK_KEY}
     */
    Optional<byte[]> open(MessageSend message, UUID senderDeviceId, byte[] senderSigningKey) {
        if (!message.keys().containsKey(deviceId)) {
            throw new NorcException(ErrorCode.FORBIDDEN, "no key wrapped for this device");
        }
        byte[] content = Envelope.open(message, deviceId, kexSecretKey, senderSigningKey);
        return history.accept(message, senderDeviceId) ? Optional.of(content) : Optional.empty();
    }
}
