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
 * (spec §4.3.1, profile §7, federation profile §5). {@code encryptedPayloads} maps a device to
 * {@code canon(message_send)} as that device receives it. The relay replay cache keys on
 * {@code (originServer, messageId)} and {@code (originServer, sequenceNumber)}.
 * {@code metadata.routeSignature} is the origin server's signature over
 * {@code canon(m[metadata.hop_count := 0, metadata.route_signature := 0^64])} (federation profile §4,
 * {@code norc.federation.FederationSignatures}), so relays may count hops without re-signing.
 */
public record MessageRelay(
        UUID messageId,
        String originServer,
        @U64 long sequenceNumber,
        List<String> targetUsers,
        Map<UUID, byte[]> encryptedPayloads,
        Classification classification,
        RelayMetadata metadata) implements FederationMessage {

    /**
     * {@code timestamp} (the attempt) in µs; {@code hopCount} the servers that sent it, 1 from the
     * origin; {@code expiresAt} in s, when the origin gives up (profile fix, federation profile §5.1).
     */
    public record RelayMetadata(long timestamp, @U8 int hopCount, long expiresAt, @Fixed(64) byte[] routeSignature) {}
}
