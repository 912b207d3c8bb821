package norc.client;

import java.util.concurrent.CompletableFuture;

/**
 * One NORC-C connection's message pipe (profile §2): whole WebSocket messages out and in, in
 * order. A transport knows nothing of NORC frames; {@link NorcClient} drives the handshake and
 * the session on top of it. Implementations: {@link WebSocketTransport} (the real one) and
 * {@link InMemoryTransport} (a connected pair for tests).
 */
public interface Transport {

    /**
     * Starts delivering inbound messages to {@code listener}. Messages that arrived earlier are
     * held back until then, so nothing is lost between connecting and starting. Call once.
     */
    void start(Listener listener);

    /**
     * Queues one whole message. Messages go out in the order of the calls, whatever thread makes
     * them; the future completes when this message was handed to the network (or fails).
     */
    CompletableFuture<Void> send(byte[] message);

    /** Closes the connection normally; idempotent. The listener then hears {@link Listener#onClose}. */
    void close();

    /**
     * Inbound events, called one at a time and in order. After {@link #onClose} or
     * {@link #onError} no further call is made.
     */
    interface Listener {
        /** One complete inbound message (reassembled if it arrived in parts). */
        void onMessage(byte[] message);

        /** The connection closed with a WebSocket status code (1000 normal). */
        void onClose(int statusCode, String reason);

        /** The connection failed (I/O error, limit exceeded, protocol violation). */
        void onError(Throwable error);
    }
}
