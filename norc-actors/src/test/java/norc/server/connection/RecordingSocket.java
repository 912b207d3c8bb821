package norc.server.connection;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ClientSocket} that records what the connection did to it, and fails on the spot (so the
 * stack trace names the caller) when the port's contract is broken: a message written after
 * {@link #close()}, or {@link #requestNext()} again before the requested message was delivered.
 * Single-threaded, like the {@code BehaviorTestKit} that drives it.
 */
final class RecordingSocket implements ClientSocket {
    private final List<byte[]> written = new ArrayList<>();
    private boolean requested;
    private boolean closed;
    private boolean authenticated;
    private String closeReason;

    @Override
    public void requestNext() {
        if (requested) {
            throw new AssertionError("requestNext() again before the requested message was delivered");
        }
        requested = true;
    }

    @Override
    public void send(byte[] message) {
        if (closed) {
            throw new AssertionError("a message written after the socket was closed");
        }
        written.add(message.clone());
    }

    @Override
    public boolean congested() {
        return false;
    }

    @Override
    public void authenticated() {
        authenticated = true;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public void close(String reason) {
        closed = true;
        closeReason = reason;
    }

    /** The reason of {@link #close(String)}, or {@code null}. */
    String closeReason() {
        return closeReason;
    }

    /** Whether the connection asked for a message and the socket is still open to deliver it. */
    boolean readyForMessage() {
        return requested && !closed;
    }

    /** One message is delivered: the request it answers is used up. */
    void deliverOne() {
        if (!readyForMessage()) {
            throw new AssertionError("a message delivered that the connection did not ask for");
        }
        requested = false;
    }

    boolean closed() {
        return closed;
    }

    boolean isAuthenticated() {
        return authenticated;
    }

    /** The messages written since the last call, in order. */
    List<byte[]> drainWritten() {
        List<byte[]> out = List.copyOf(written);
        written.clear();
        return out;
    }
}
