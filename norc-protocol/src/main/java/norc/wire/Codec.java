package norc.wire;

import norc.wire.message.NorcMessage;

/**
 * Encodes and strictly decodes NORC messages in one {@link WireEncoding} (profile §4.3). Both
 * implementations derive every field from the message record's {@link norc.wire.schema.RecordSchema};
 * neither keeps a second copy of any field table. Implementations are immutable and thread-safe.
 */
public sealed interface Codec permits BinaryCodec, JsonCodec {

    WireEncoding encoding();

    WireLimits limits();

    /**
     * A message as a standalone WebSocket message, as used before session keys exist
     * (handshake, early errors; profile §3): binary {@code u8(type) || payload}, JSON the canonical
     * object with its {@code "type"} member. These bytes are {@code canon(m)}.
     */
    byte[] encodeMessage(NorcMessage message);

    /** {@code canon(m \ field)}: {@link #encodeMessage} with one top-level field left out (profile §3). */
    byte[] encodeMessageWithout(NorcMessage message, String field);

    /** Decodes a standalone message and rejects anything that is not exactly its canonical form. */
    NorcMessage decodeMessage(byte[] data);

    /** The session-frame payload (the AEAD plaintext before padding): binary fields only, or the JSON object. */
    byte[] encodePayload(NorcMessage message);

    /** Decodes a frame payload whose type the frame header already named. */
    NorcMessage decodePayload(MessageType type, byte[] data, int off, int len);
}
