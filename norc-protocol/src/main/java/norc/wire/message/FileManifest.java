package norc.wire.message;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U32;
import norc.wire.schema.Wire.U64;

/**
 * {@code file_manifest} (0x40): a file's metadata (name, type, length) encrypted end to end before
 * upload (spec §6.20); the server sees only the padded size, chunk count and ids.
 */
public record FileManifest(
        UUID fileId,
        UUID conversationId,
        byte[] encryptedManifest,
        Map<UUID, MessageSend.WrappedKey> keys,
        @U32 long chunkCount,
        @U64 long paddedSize) implements ClientMessage {

    /**
     * What {@code encrypted_manifest} seals (groups profile B.1): the file's name, type, exact size,
     * the BLAKE3 hash of each encrypted chunk and the sender, signed by the sender's device.
     */
    public record Plain(
            String name,
            String mimeType,
            @U64 long size,
            List<@Fixed(32) byte[]> chunkHashes,
            String senderUserId,
            UUID senderDeviceId,
            @Fixed(64) byte[] signature) {}
}
