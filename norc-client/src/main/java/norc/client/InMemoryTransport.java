package norc.client;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One end of an in-memory connection: what one end sends, the other end's listener receives, in
 * order, on that end's own delivery thread (never on the sender's thread, as with a real socket).
 * For unit tests of clients and servers without sockets; messages are copied on send.
 */
public final class InMemoryTransport implements Transport {

    /** The two connected ends. */
    public record Pair(InMemoryTransport client, InMemoryTransport server) {}

    private final ExecutorService thread;
    private final Executor delivery;
    private final Queue<byte[]> early = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private InMemoryTransport peer;
    private Listener listener;
    private boolean ended;

    private InMemoryTransport(String name) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        this.delivery = new SerialExecutor(thread);
    }

    /** A connected pair of ends. */
    public static Pair pair() {
        InMemoryTransport client = new InMemoryTransport("in-memory-client");
        InMemoryTransport server = new InMemoryTransport("in-memory-server");
        client.peer = server;
        server.peer = client;
        return new Pair(client, server);
    }

    @Override
    public void start(Listener listener) {
        runOnDeliveryThread(() -> {
            this.listener = listener;
            byte[] message;
            while (!ended && (message = early.poll()) != null) {
                listener.onMessage(message);
            }
        });
    }

    @Override
    public CompletableFuture<Void> send(byte[] message) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IOException("transport closed"));
        }
        peer.receive(message.clone());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            peer.remoteClosed();
            end(() -> listener.onClose(1000, "closed"));
        }
    }

    /** Whether this end was closed, by either side. */
    public boolean isClosed() {
        return closed.get();
    }

    private void receive(byte[] message) {
        runOnDeliveryThread(() -> {
            if (ended) {
                return;
            }
            if (listener == null) {
                early.add(message);
            } else {
                listener.onMessage(message);
            }
        });
    }

    private void remoteClosed() {
        if (closed.compareAndSet(false, true)) {
            end(() -> listener.onClose(1000, "closed by peer"));
        }
    }

    /** Delivers what is queued, then the close event (once a listener exists), then stops the thread. */
    private void end(Runnable notifyListener) {
        runOnDeliveryThread(() -> {
            if (!ended) {
                ended = true;
                if (listener != null) {
                    notifyListener.run();
                }
            }
            thread.shutdown();
        });
    }

    private void runOnDeliveryThread(Runnable task) {
        try {
            delivery.execute(task);
        } catch (RejectedExecutionException e) {
            // this end's thread is gone: the connection is over
        }
    }
}
