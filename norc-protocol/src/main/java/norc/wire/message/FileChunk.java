package norc.wire.message;

import java.util.UUID;
import norc.wire.schema.Wire.U32;

/** {@code file_chunk} (0x44, groups profile B.2): one encrypted chunk, as uploaded. */
public record FileChunk(UUID fileId, @U32 long chunkIndex, byte[] ciphertext) implements ClientMessage {}
