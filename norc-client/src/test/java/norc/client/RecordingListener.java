package norc.client;

import static org.assertj.core.api.Assertions.fail;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import norc.error.ErrorCode;
import norc.error.NorcException;

/** Records every listener event in queues a test can wait on (explicit signals, no sleeps). */
class RecordingListener implements ClientListener {
    static final long WAIT_SECONDS = 10;

    record Rejection(UUID messageId, ErrorCode reason) {}

    final BlockingQueue<ReceivedMessage> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<Rejection> rejections = new LinkedBlockingQueue<>();
    final BlockingQueue<Receipt> receipts = new LinkedBlockingQueue<>();
    final BlockingQueue<NorcException> errors = new LinkedBlockingQueue<>();
    final BlockingQueue<norc.wire.message.PresenceUpdate> presence = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();

    @Override
    public void onPresence(norc.wire.message.PresenceUpdate update) {
        presence.add(update);
    }

    @Override
    public void onMessage(ReceivedMessage message) {
        messages.add(message);
    }

    @Override
    public void onRejected(UUID messageId, ErrorCode reason) {
        rejections.add(new Rejection(messageId, reason));
    }

    @Override
    public void onReceipt(Receipt receipt) {
        receipts.add(receipt);
    }

    @Override
    public void onError(NorcException error) {
        errors.add(error);
    }

    @Override
    public void onClosed(Throwable cause) {
        closed.complete(cause);
    }

    static <T> T next(BlockingQueue<T> queue, String what) {
        try {
            T value = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (value == null) {
                fail("no " + what + " within " + WAIT_SECONDS + " s");
            }
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    ReceivedMessage nextMessage() {
        return next(messages, "message");
    }

    Rejection nextRejection() {
        return next(rejections, "rejection");
    }

    Receipt nextReceipt() {
        return next(receipts, "receipt");
    }
}
