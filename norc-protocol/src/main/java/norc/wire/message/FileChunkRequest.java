package norc.wire.message;

import java.util.UUID;
import norc.wire.schema.Wire.U32;

/** {@code file_chunk_request} (0x43, groups profile B.2): one chunk of a sealed file, by index. */
public record FileChunkRequest(UUID fileId, @U32 long chunkIndex) implements ClientMessage {}
