package norc.wire.message;

import java.util.Optional;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U32;

/**
 * {@code time_sync} (0x33) (spec §6.17). A client asks with its own {@code clientTime} and no
 * signature; the server answers with the same {@code clientTime}, its {@code serverTime} and
 * {@code uncertainty} (all µs) and an Ed25519 signature by its identity key over
 * {@code "norc:time:v1" || th || canon(this \ signature)}.
 */
public record TimeSync(
        long clientTime,
        long serverTime,
        @U32 long uncertainty,
        Optional<@Fixed(64) byte[]> signature) implements ClientMessage {}
