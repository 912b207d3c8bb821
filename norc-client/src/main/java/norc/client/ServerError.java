package norc.client;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The server's {@code error} answer behind a failure (spec §9.1): attached by {@link NorcClient}
 * as the cause of the {@link norc.error.NorcException} a request fails with, so that a caller can
 * honour {@code retry_after} (a {@code 6001 rate_limited}, a {@code 9002 unavailable}). The code,
 * the delay and the {@code details} are kept (a group's {@code 3013} names its version and stale
 * members there), never the server's text. No stack trace.
 */
public final class ServerError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long code;
    private final Long retryAfterSeconds;
    private final Map<String, String> details;

    ServerError(long code, Optional<Long> retryAfterSeconds, Map<String, String> details) {
        super("server error " + code, null, false, false);
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds.orElse(null);
        this.details = Map.copyOf(details);
    }

    /** The error's {@code details} (ids of the request, and what the profile lets the server tell a member). */
    public Map<String, String> details() {
        return details;
    }

    /** The {@code error_code} as the server sent it. */
    public long code() {
        return code;
    }

    /** The server's {@code retry_after}, if it gave one. */
    public Optional<Duration> retryAfter() {
        return retryAfterSeconds == null ? Optional.empty() : Optional.of(Duration.ofSeconds(retryAfterSeconds));
    }

    /** The server error somewhere in {@code failure}'s causes, if the failure came from one. */
    public static Optional<ServerError> of(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof ServerError error) {
                return Optional.of(error);
            }
            if (e.getCause() == e) {
                break;
            }
        }
        return Optional.empty();
    }
}
