package norc.client;

import java.net.URI;
import java.time.Duration;

/**
 * What a {@link ReconnectingClient} tells its application besides the events of each connection
 * ({@link ClientListener}): when a connection was lost and when a new one is authenticated. Calls
 * are made one at a time. The first messages of a new connection may arrive before
 * {@link #onReconnected}. {@link #onClosed} is the last call, made once: after
 * {@link ReconnectingClient#close} ({@code null}) or when reconnecting stopped for good (the
 * cause, e.g. {@code DEVICE_REVOKED}); the connections' own closes are not passed on.
 */
public interface ReconnectListener extends ClientListener {

    /** The connection ended, not by {@link ReconnectingClient#close}; reconnecting starts. */
    default void onDisconnected(Throwable cause) {}

    /** An attempt to connect failed; the next one starts after {@code nextDelay}. */
    default void onConnectAttemptFailed(URI endpoint, Throwable cause, Duration nextDelay) {}

    /** Authenticated again, on {@code endpoint}, {@code outage} after the loss. */
    default void onReconnected(URI endpoint, Duration outage) {}
}
