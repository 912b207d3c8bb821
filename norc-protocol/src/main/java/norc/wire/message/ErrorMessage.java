package norc.wire.message;

import java.util.Map;
import java.util.Optional;
import norc.error.ErrorCode;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.U32;

/**
 * {@code error} (0xFF) (spec §9.1, profile §8). {@code message} is always the code's generic text,
 * so an error never reveals whether a user or device exists; {@code retryAfter} in s.
 */
public record ErrorMessage(
        @U32 long errorCode,
        @Atom String errorCategory,
        String message,
        Optional<@U32 Long> retryAfter,
        Map<String, String> details) implements NorcMessage {

    /** The error a peer sees for a code: generic text, no details. */
    public static ErrorMessage of(ErrorCode code) {
        return new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(), Optional.empty(), Map.of());
    }

    /** A rate-limit style error that tells the peer when to retry. */
    public static ErrorMessage of(ErrorCode code, long retryAfterSeconds) {
        return new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(),
                Optional.of(retryAfterSeconds), Map.of());
    }
}
