package norc.wire.message;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.wire.message.Atoms.Classification;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U64;
import norc.wire.schema.Wire.U8;

/**
 * {@code message_relay} (0x80): end-to-end envelopes forwarded to the recipients' server
 * (spec §4.3.1, profile §7). {@code encryptedPayloads} maps a device to its opaque envelope. The
 * relay replay cache keys on {@code (originServer, messageId)} and {@code (originServer,
 * sequenceNumber)}. {@code routeSignature} is the origin server's signature over the canonical form
 * without it.
 */
public record MessageRelay(
        UUID messageId,
        String originServer,
        @U64 long sequenceNumber,
        List<String> targetUsers,
        Map<UUID, byte[]> encryptedPayloads,
        Classification classification,
        RelayMetadata metadata) implements FederationMessage {

    /** {@code timestamp} in µs; {@code hopCount} at most 10. */
    public record RelayMetadata(long timestamp, @U8 int hopCount, @Fixed(64) byte[] routeSignature) {}
}
