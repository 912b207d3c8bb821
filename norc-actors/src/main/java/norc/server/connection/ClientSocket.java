package norc.server.connection;

/**
 * The WebSocket under one {@link ConnectionActor}, as the actor sees it: a port the transport
 * implements (the Netty endpoint's {@code ChannelSocket}; a probe in unit tests).
 * Inbound is pulled: after {@link #requestNext()} the transport sends the actor exactly one
 * {@link ConnectionActor.Inbound}, or {@link ConnectionActor.SocketClosed} when the socket ends, so
 * a busy actor (a slow journal) slows its own socket instead of growing a queue. Outbound is pushed
 * and bounded: a client that stops reading is disconnected once its queued bytes pass the
 * transport's limit, and whatever it had not acknowledged stays in its inbox.
 * <p>All methods may be called from any thread and never block.
 */
public interface ClientSocket {

    /** Asks for the next inbound WebSocket message. Call again only after it arrived. */
    void requestNext();

    /** Queues one outbound WebSocket message (binary, or UTF-8 text on the JSON subprotocol). */
    void send(byte[] message);

    /**
     * Whether half the transport's outbound limit is queued. Ephemeral messages (receipts,
     * presence) are then dropped rather than queued, so that a burst of them (the receipts of a
     * large group's message) slows nothing and cannot close a client that is reading.
     */
    boolean congested();

    /** The session authenticated: the transport lifts its pre-authentication limits. */
    void authenticated();

    /** Sends a close frame after what is queued, keeps reading (and dropping) until the peer closes, then closes. */
    void close();

    /** {@link #close()} with status 1000 and a reason the peer acts on ({@code rekey}: groups profile D). */
    void close(String reason);
}
