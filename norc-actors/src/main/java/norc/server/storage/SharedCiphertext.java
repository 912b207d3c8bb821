package norc.server.storage;

import java.util.UUID;
import norc.wire.BinaryCodec;
import norc.wire.MessageType;
import norc.wire.WireLimits;
import norc.wire.message.MessageSend;
import norc.wire.schema.FieldSchema;

/**
 * A group message's per-device copy stored without its ciphertext, which {@link MessageBodies}
 * holds once for all copies. The binary encoding of {@code message_send} writes the ciphertext as
 * a {@code u32} length and its bytes between fixed fields, so a copy is stored with a zero length
 * at a known offset ({@link #at}) and made whole again by writing the body there: byte for byte
 * the copy that held the ciphertext, and no decoding on delivery.
 */
public final class SharedCiphertext {
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);

    /** The stored form of a copy: its payload with an empty ciphertext, whose length is at {@code at}. */
    public record Stripped(byte[] payload, int at) {}

    private SharedCiphertext() {}

    /** {@code copy}'s payload without its ciphertext. */
    public static Stripped strip(MessageSend copy) {
        MessageSend empty = new MessageSend(copy.messageId(), copy.conversationId(), copy.recipients(), copy.metadata(),
                copy.e2eSequence(), copy.e2ePrevHash(), new byte[0], copy.keys(), copy.senderSignature(), copy.senderUserId(),
                copy.senderDeviceId());
        return new Stripped(BINARY.encodePayload(empty), at(empty));
    }

    /** Where the ciphertext's length is in {@code message}'s payload: the same in every copy of one message. */
    public static int at(MessageSend message) {
        int at = 0;
        for (FieldSchema field : MessageType.MESSAGE_SEND.schema().fields()) {
            if (field.name().equals("ciphertext")) {
                return at;
            }
            at += BINARY.encodeField(message, field.name()).length;
        }
        throw new IllegalStateException("message_send has no ciphertext");
    }

    /** The copy whole again: {@code stripped} with {@code body} as its ciphertext. */
    public static byte[] splice(byte[] stripped, int at, byte[] body) {
        if (at < 0 || at + 4 > stripped.length || stripped[at] != 0 || stripped[at + 1] != 0 || stripped[at + 2] != 0
                || stripped[at + 3] != 0) {
            throw new IllegalArgumentException("not a stripped copy at " + at);
        }
        byte[] whole = new byte[stripped.length + body.length];
        System.arraycopy(stripped, 0, whole, 0, at);
        whole[at] = (byte) (body.length >>> 24);
        whole[at + 1] = (byte) (body.length >>> 16);
        whole[at + 2] = (byte) (body.length >>> 8);
        whole[at + 3] = (byte) body.length;
        System.arraycopy(body, 0, whole, at + 4, body.length);
        System.arraycopy(stripped, at + 4, whole, at + 4 + body.length, stripped.length - at - 4);
        return whole;
    }

    /** The key of a group message's body: a pseudonym of its conversation and message ids. */
    public static String keyOf(StorageSeal seal, UUID conversationId, UUID messageId) {
        return seal.pseudonym("message-body", conversationId + ":" + messageId);
    }
}
