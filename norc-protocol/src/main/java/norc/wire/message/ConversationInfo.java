package norc.wire.message;

import java.util.Map;
import java.util.UUID;
import norc.wire.schema.Wire.Fixed;

/**
 * A group's encrypted info envelope (groups profile A.2), nested in {@code conversation_create},
 * {@code conversation_update} and {@code membership_update}: the title and attributes sealed under
 * an {@code info_key} that {@code keys} wraps for each member device, signed by its author. The
 * server stores it opaquely and only ever drops departed devices' {@code keys} entries.
 */
public record ConversationInfo(
        UUID infoId,
        String authorUserId,
        UUID authorDeviceId,
        byte[] ciphertext,
        Map<UUID, MessageSend.WrappedKey> keys,
        @Fixed(64) byte[] signature) {

    /** What {@code ciphertext} seals: {@code pad(enc(Plain))}; the title at most 256 bytes. */
    public record Plain(String title, Map<String, String> attributes) {}
}
