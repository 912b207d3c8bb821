package norc.server.federation;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;

/**
 * How NORC-F messages travel in HTTP/2 bodies (federation profile §1): one message per request,
 * {@code application/norc} ({@code u8(type) || payload}) or {@code application/norc+json} (the
 * canonical object with {@code "type"}); errors as an unsigned {@code error} in the request's
 * content type, and the HTTP status each code maps to.
 */
public final class FederationWire {
    public static final String BINARY = "application/norc";
    public static final String JSON = "application/norc+json";

    private FederationWire() {}

    /** The codec of a content type, for bodies up to {@code maxBytes}; null if the type is neither. */
    public static Codec codec(String contentType, long maxBytes) {
        WireLimits limits = new WireLimits((int) Math.min(Integer.MAX_VALUE, maxBytes), 4096, 64 * 1024);
        if (BINARY.equals(contentType)) {
            return WireEncoding.BINARY.codec(limits);
        }
        if (JSON.equals(contentType)) {
            return WireEncoding.JSON.codec(limits);
        }
        return null;
    }

    /** The answer to a request: an HTTP status and the message to put in the body (null: empty). */
    public record Answer(int status, NorcMessage body, long retryAfter) {
        public static final Answer OK = new Answer(200, null, 0);
        public static final Answer PENDING = new Answer(202, null, 0);

        public static Answer ok(NorcMessage body) {
            return new Answer(200, body, 0);
        }

        public static Answer error(ErrorCode code) {
            return error(code, 0, null);
        }

        /** An {@code error} body; {@code retryAfter} s for 6001/9002; {@code messageId} only when the relay decoded. */
        public static Answer error(ErrorCode code, long retryAfter, UUID messageId) {
            boolean retry = code == ErrorCode.RATE_LIMITED || code == ErrorCode.UNAVAILABLE;
            ErrorMessage error = new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(),
                    retry ? Optional.of(Math.max(1, retryAfter)) : Optional.empty(),
                    messageId == null ? Map.of() : Map.of("message_id", messageId.toString()));
            return new Answer(FederationWire.status(code), error, retry ? Math.max(1, retryAfter) : 0);
        }

        public boolean success() {
            return status == 200 || status == 202;
        }
    }

    /** The HTTP status of an error code (profile §1 "Status"). */
    public static int status(ErrorCode code) {
        int c = code.code();
        if (c == 3007) {
            return 413;
        }
        if (c >= 3000 && c < 4000) {
            return 400;
        }
        if (c == 5003 || c == 5006) {
            return 409;
        }
        if (c == 5007) {
            return 410;
        }
        if (c == 6001) {
            return 429;
        }
        if (c == 9002) {
            return 503;
        }
        if (c >= 9000) {
            return 500;
        }
        return 403;
    }
}
