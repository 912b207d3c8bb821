package norc.wire.message;

import java.util.UUID;
import norc.wire.schema.Wire.U32;
import norc.wire.schema.Wire.U64;

/**
 * {@code file_chunk_upload} (0x41, groups profile B.2): one encrypted chunk of a file; the first
 * upload binds the file id to the device, conversation, chunk count and padded size. An empty
 * {@code ciphertext} asks which chunks the server holds (resume).
 */
public record FileChunkUpload(
        UUID fileId,
        UUID conversationId,
        @U32 long chunkCount,
        @U64 long paddedSize,
        @U32 long chunkIndex,
        byte[] ciphertext) implements ClientMessage {}
