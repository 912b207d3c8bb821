package norc.wire.message;

import java.util.UUID;

/**
 * {@code file_upload_ack} (0x42, groups profile B.2): the chunks durably stored, as a bitmap (chunk
 * {@code i} is bit {@code 0x80 >> (i & 7)} of byte {@code i >> 3}), and when the unsealed upload is
 * deleted (seconds).
 */
public record FileUploadAck(UUID fileId, byte[] received, long expiresAt) implements ClientMessage {}
