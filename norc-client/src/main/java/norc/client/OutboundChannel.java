package norc.client;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.SendSession;
import norc.wire.message.NorcMessage;

/**
 * The sending half of a client session (profile §4): the one lock in front of the single-owner
 * {@link SendSession}. Sealing and queueing on the transport happen together under it, because
 * the receiver checks each frame's {@code prev_message_hash} against the frame before, so frames
 * must reach the wire in sealing order; a request's pending entry is registered under the same
 * lock, so the pending order is the wire order that answers follow.
 */
final class OutboundChannel {
    private final Transport transport;
    private final PendingRequests pending;
    private SendSession session;
    private boolean closed;

    OutboundChannel(Transport transport, PendingRequests pending) {
        this.transport = transport;
        this.pending = pending;
    }

    /** Starts sending under the session keys of a finished handshake. */
    synchronized void open(SendSession sendSession) {
        this.session = sendSession;
    }

    /** Refuses every later frame. */
    synchronized void close() {
        closed = true;
    }

    /**
     * Seals and queues a frame that expects no answer.
     *
     * @throws IllegalStateException before the handshake finished or after the connection ended
     */
    synchronized CompletableFuture<Void> transmit(NorcMessage message) {
        if (closed || session == null) {
            throw new IllegalStateException("not connected");
        }
        return transport.send(session.seal(message));
    }

    /**
     * Seals and queues a frame and registers what answers it. The future completes with
     * {@code onAnswer(answer)} (run on the inbound thread), or fails with the server's error, or with
     * {@code UNAVAILABLE} when the frame could not be sent or the connection ended.
     */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> request(PendingRequests.Kind kind, UUID messageId, NorcMessage message,
                                     Function<NorcMessage, T> onAnswer) {
        PendingRequests.Entry entry = new PendingRequests.Entry(kind, messageId, onAnswer::apply);
        CompletableFuture<Void> sent;
        synchronized (this) {
            if (closed || session == null) {
                return CompletableFuture.failedFuture(new NorcException(ErrorCode.UNAVAILABLE, "not connected"));
            }
            pending.add(entry);
            try {
                sent = transport.send(session.seal(message));
            } catch (RuntimeException e) {
                pending.remove(entry);
                return CompletableFuture.failedFuture(e);
            }
        }
        sent.whenComplete((ignored, error) -> {
            if (error != null && pending.remove(entry)) {
                entry.future.completeExceptionally(new NorcException(ErrorCode.UNAVAILABLE, "sending failed", error));
            }
        });
        return (CompletableFuture<T>) entry.future;
    }
}
