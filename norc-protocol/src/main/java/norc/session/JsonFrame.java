package norc.session;

import java.util.Optional;
import java.util.UUID;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U64;

/**
 * An encrypted frame in the JSON subprotocol (profile §4.3):
 * {@code {"ciphertext","message_id","prev_message_hash","sequence_number","type","v"}}.
 * {@code type} names the inner message; in 1.x sessions the sequence and hash are omitted (§4.5).
 */
public record JsonFrame(
        byte[] ciphertext,
        UUID messageId,
        Optional<@Fixed(32) byte[]> prevMessageHash,
        Optional<@U64 Long> sequenceNumber,
        @Atom String type,
        String v) {}
