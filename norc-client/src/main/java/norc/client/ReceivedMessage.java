package norc.client;

import java.util.List;
import java.util.UUID;
import norc.wire.message.MessageSend;

/**
 * A verified, decrypted inbound message. {@code senderUserId} and {@code senderDeviceId} are the
 * server's stamp (profile §6), and the signature check proved the content came from that device's
 * key as the server published it. {@link #toString} shows neither content nor participants.
 */
public record ReceivedMessage(UUID messageId, UUID conversationId, String senderUserId, UUID senderDeviceId,
                              List<String> recipients, MessageSend.Metadata metadata, long e2eSequence,
                              byte[] content) {

    @Override
    public String toString() {
        return "ReceivedMessage[" + messageId + "]";
    }
}
