package norc.e2e;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Aead;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.crypto.KeyWrap;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.Aad;
import norc.session.Padding;
import norc.wire.MessageType;
import norc.wire.ProtocolVersion;
import norc.wire.message.MessageSend;

/**
 * The end-to-end envelope of {@code message_send} (profile §6), which the server relays but cannot
 * open. Sealing: a fresh 32-byte content key; the padded content encrypted with ChaCha20-Poly1305
 * under a zero nonce and {@code AAD_v1(2.0, 0x10, e2e_sequence, message_id, length, e2e_prev_hash,
 * 0^32)}; the key wrapped for every recipient device ({@link KeyWrap}); and the sender's Ed25519
 * signature over {@code "norc:msg:v1" || message_id || conversation_id || u64(e2e_sequence) ||
 * e2e_prev_hash || B3(ciphertext)}. The envelope version is always 2.0, whatever version each
 * device negotiated with its server.
 */
public final class Envelope {
    private static final byte[] SIGNATURE_LABEL = "norc:msg:v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_NONCE = new byte[Aead.NONCE_LENGTH];

    /** The sending device: its user, id and Ed25519 signing key. */
    public record Sender(String userId, UUID deviceId, byte[] signingSecretKey) {
        @Override
        public String toString() {
            return "Sender[" + deviceId + "]";
        }
    }

    /** A device to wrap the content key for: its id and X25519 key-exchange public key. */
    public record RecipientDevice(UUID deviceId, byte[] kexPublicKey) {}

    private Envelope() {}

    /**
     * Seals {@code content} for every device in {@code devices} and signs it.
     *
     * @param link this sender's position in the conversation's chain ({@link ConversationChain#next()})
     */
    public static MessageSend seal(Sender sender, UUID messageId, UUID conversationId, List<String> recipients,
                                   MessageSend.Metadata metadata, ConversationChain.Link link, byte[] content,
                                   List<RecipientDevice> devices, SecureRandom random) {
        Sealed sealed = sealKeepingKey(sender, messageId, conversationId, recipients, metadata, link, content, devices, random);
        Arrays.fill(sealed.contentKey(), (byte) 0);
        return sealed.message();
    }

    /**
     * A sealed message and its content key, kept by a sender who may have to wrap the key for
     * other devices before the message is accepted (a group's {@code 3013}, groups profile A.5).
     * Holds secret key material: the holder erases {@code contentKey} once done.
     */
    public record Sealed(MessageSend message, byte[] contentKey) {
        @Override
        public String toString() {
            return "Sealed[" + message.messageId() + "]";
        }
    }

    /** {@link #seal}, keeping the content key for {@link #rewrap}. */
    public static Sealed sealKeepingKey(Sender sender, UUID messageId, UUID conversationId, List<String> recipients,
                                        MessageSend.Metadata metadata, ConversationChain.Link link, byte[] content,
                                        List<RecipientDevice> devices, SecureRandom random) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one recipient device");
        }
        byte[] contentKey = new byte[KeyWrap.CONTENT_KEY_LENGTH];
        random.nextBytes(contentKey);
        byte[] padded = Padding.pad(content);
        byte[] aad = contentAad(link.sequence(), messageId, padded.length + Aead.TAG_LENGTH, link.prevHash());
        byte[] ciphertext = ChaCha20Poly1305.INSTANCE.seal(contentKey, ZERO_NONCE, aad, padded);
        byte[] signature = Ed25519.sign(sender.signingSecretKey(),
                signedBytes(messageId, conversationId, link.sequence(), link.prevHash(), ciphertext));
        MessageSend unwrapped = new MessageSend(messageId, conversationId, List.copyOf(recipients), metadata, link.sequence(),
                link.prevHash(), ciphertext, Map.of(), signature, Optional.empty(), Optional.empty());
        return new Sealed(rewrap(unwrapped, contentKey, devices, random), contentKey);
    }

    /**
     * {@code message} with {@code contentKey} wrapped for exactly {@code devices}: the same id,
     * ciphertext, chain fields and signature (none of them covers {@code keys}).
     */
    public static MessageSend rewrap(MessageSend message, byte[] contentKey, List<RecipientDevice> devices, SecureRandom random) {
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>();
        for (RecipientDevice device : devices) {
            KeyWrap.Wrapped wrapped = KeyWrap.wrap(contentKey, message.messageId(), message.conversationId(), device.deviceId(),
                    device.kexPublicKey(), random);
            keys.put(device.deviceId(), new MessageSend.WrappedKey(wrapped.ephemeralPublicKey(), wrapped.wrappedKey()));
        }
        return new MessageSend(message.messageId(), message.conversationId(), message.recipients(), message.metadata(),
                message.e2eSequence(), message.e2ePrevHash(), message.ciphertext(), Map.copyOf(keys), message.senderSignature(),
                message.senderUserId(), message.senderDeviceId());
    }

    /** Whether {@code message} carries a valid signature by {@code senderSigningKey}. */
    public static boolean verifySignature(MessageSend message, byte[] senderSigningKey) {
        return Ed25519.verify(senderSigningKey, message.senderSignature(),
                signedBytes(message.messageId(), message.conversationId(), message.e2eSequence(),
                        message.e2ePrevHash(), message.ciphertext()));
    }

    /**
     * Verifies the sender's signature, unwraps this device's content key and decrypts the content.
     * Throws {@code INVALID_SIGNATURE}, {@code FORBIDDEN} when no key was wrapped for this device,
     * or {@code DECRYPT_FAILED}. The caller checks the conversation chain with
     * {@link ConversationChain#verify}.
     */
    public static byte[] open(MessageSend message, UUID deviceId, byte[] kexSecretKey, byte[] senderSigningKey) {
        if (!verifySignature(message, senderSigningKey)) {
            throw new NorcException(ErrorCode.INVALID_SIGNATURE, "sender signature");
        }
        MessageSend.WrappedKey entry = message.keys().get(deviceId);
        if (entry == null) {
            throw new NorcException(ErrorCode.FORBIDDEN, "no key wrapped for this device");
        }
        byte[] contentKey = KeyWrap.unwrap(new KeyWrap.Wrapped(entry.ephemeralPublicKey(), entry.wrappedKey()),
                message.messageId(), message.conversationId(), deviceId, kexSecretKey);
        try {
            byte[] aad = contentAad(message.e2eSequence(), message.messageId(), message.ciphertext().length,
                    message.e2ePrevHash());
            byte[] padded = ChaCha20Poly1305.INSTANCE.open(contentKey, ZERO_NONCE, aad, message.ciphertext());
            int length = Padding.payloadLength(padded);
            return Arrays.copyOfRange(padded, 4, 4 + length);
        } finally {
            Arrays.fill(contentKey, (byte) 0);
        }
    }

    private static byte[] contentAad(long sequence, UUID messageId, int ciphertextLength, byte[] prevHash) {
        return Aad.v1(ProtocolVersion.ENVELOPE.major(), ProtocolVersion.ENVELOPE.minor(),
                MessageType.MESSAGE_SEND.code(), sequence, messageId, ciphertextLength, prevHash, null);
    }

    private static byte[] signedBytes(UUID messageId, UUID conversationId, long sequence, byte[] prevHash,
                                      byte[] ciphertext) {
        return Bytes.concat(SIGNATURE_LABEL, Bytes.uuidBytes(messageId), Bytes.uuidBytes(conversationId),
                Bytes.u64(sequence), prevHash, Blake3.hash(ciphertext));
    }
}
