package norc.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.TreeSet;
import java.util.UUID;
import norc.crypto.Blake3;

/**
 * Conversation ids chosen by clients. The protocol only needs a {@code conversation_id} UUID that
 * every participant uses; this SDK's default for a set of participants is derived from the set,
 * so that the CLI's {@code send --to} and {@code chat --with} land in the same conversation on
 * every device without any coordination: a version-8 UUID made of the first 16 bytes of
 * {@code B3("norc:conversation:v1" || sorted user ids joined by "\n")}. Any other UUID (e.g.
 * random, for a group) works as well.
 */
public final class ConversationIds {
    private ConversationIds() {}

    /** The default conversation of exactly these participants (order and duplicates do not matter). */
    public static UUID forParticipants(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            throw new IllegalArgumentException("a conversation needs participants");
        }
        String joined = String.join("\n", new TreeSet<>(userIds));
        byte[] hash = Blake3.hash("norc:conversation:v1".getBytes(StandardCharsets.US_ASCII),
                joined.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0F) | 0x80); // version 8 (RFC 9562)
        hash[8] = (byte) ((hash[8] & 0x3F) | 0x80); // variant 10
        ByteBuffer b = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(b.getLong(), b.getLong());
    }
}
