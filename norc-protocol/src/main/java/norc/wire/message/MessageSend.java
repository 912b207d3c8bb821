package norc.wire.message;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.wire.message.Atoms.Classification;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U64;

/**
 * {@code message_send} (0x10): routing metadata the server reads plus an end-to-end envelope it
 * cannot open (profile §6). On delivery the server stamps {@code senderUserId} and
 * {@code senderDeviceId} (overwriting any client value) and keeps only the recipient device's entry
 * in {@code keys}.
 */
public record MessageSend(
        UUID messageId,
        UUID conversationId,
        List<String> recipients,
        Metadata metadata,
        @U64 long e2eSequence,
        @Fixed(32) byte[] e2ePrevHash,
        byte[] ciphertext,
        Map<UUID, WrappedKey> keys,
        @Fixed(64) byte[] senderSignature,
        Optional<String> senderUserId,
        Optional<UUID> senderDeviceId) implements ClientMessage {

    /** Clear metadata: {@code timestamp} in µs (spec §3.3.1). */
    public record Metadata(long timestamp, @Atom String messageType, Classification classification) {}

    /** A content key wrapped for one recipient device (profile §6). */
    public record WrappedKey(@Fixed(32) byte[] ephemeralPublicKey, @Fixed(48) byte[] wrappedKey) {}
}
