package norc.client;

import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import norc.wire.WireEncoding;

/**
 * Opens one authenticated connection of a device for {@link ReconnectingClient}: transport,
 * handshake (profile §3), authentication (profile §5). It must use the {@link NorcClient.Options}
 * it is given: their listener, chain store and receive history are the ones the reconnecting
 * session keeps across connections. On failure it closes whatever it opened.
 */
@FunctionalInterface
public interface SessionOpener {

    /** Connects to {@code endpoint} and authenticates; completes with the authenticated client. */
    CompletableFuture<NorcClient> open(URI endpoint, NorcClient.Options options);

    /**
     * The usual opener: a {@link WebSocketTransport} with {@code transport} (trust, timeouts), the
     * handshake in {@code encoding}, then {@link NorcClient#authenticate} as {@code identity}.
     */
    static SessionOpener webSocket(WireEncoding encoding, WebSocketTransport.Options transport, DeviceIdentity identity) {
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(identity, "identity");
        return (endpoint, options) -> WebSocketTransport.connect(endpoint, encoding, transport)
                .thenCompose(connected -> NorcClient.connect(connected, encoding, options))
                .thenCompose(client -> authenticated(client, identity));
    }

    /** Authenticates {@code client} as {@code identity}; closes it when that fails. */
    static CompletableFuture<NorcClient> authenticated(NorcClient client, DeviceIdentity identity) {
        CompletableFuture<NorcClient> result = new CompletableFuture<>();
        client.authenticate(identity).whenComplete((ignored, error) -> {
            if (error != null) {
                client.close();
                result.completeExceptionally(error);
            } else {
                result.complete(client);
            }
        });
        return result;
    }
}
