package norc.server.federation.api;

import norc.error.ErrorCode;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;

/** The answers of a link to a peer. */
public sealed interface LinkReply extends Contract {

    /** The peer answered with HTTP {@code status}; {@code body} null when empty, {@code error} when it was an {@code error}. */
    record Answered(int status, WireMessage body, WireMessage error) implements LinkReply {
        public static Answered of(int status, NorcMessage body, ErrorMessage error) {
            return new Answered(status, body == null ? null : WireMessage.of(body), error == null ? null : WireMessage.of(error));
        }

        public NorcMessage message() {
            return body == null ? null : body.decode();
        }

        public ErrorMessage errorMessage() {
            return error == null ? null : (ErrorMessage) error.decode();
        }

        /** The error code a non-2xx answer carries; {@code 9001} when there is no decodable {@code error}. */
        public ErrorCode code() {
            ErrorMessage e = errorMessage();
            if (e != null) {
                ErrorCode code = ErrorCode.ofCode(e.errorCode());
                return code == null ? ErrorCode.INTERNAL : code;
            }
            return ErrorCode.INTERNAL;
        }

        public long retryAfter() {
            ErrorMessage e = errorMessage();
            return e == null ? 0 : e.retryAfter().orElse(0L);
        }
    }

    /** The peer could not be reached (or refused the link); try again in {@code retryAfterSeconds} at the earliest. */
    record Unreachable(int errorCode, long retryAfterSeconds) implements LinkReply {
        public static Unreachable of(ErrorCode code, long retryAfterSeconds) {
            return new Unreachable(code.code(), retryAfterSeconds);
        }

        public ErrorCode code() {
            ErrorCode code = ErrorCode.ofCode(errorCode);
            return code == null ? ErrorCode.INTERNAL : code;
        }
    }
}
