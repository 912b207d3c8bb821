package norc.client;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs the sends of one conversation one after another: each starts when the one before it
 * ended, however it ended, so that a conversation's chain is extended in order; different
 * conversations proceed in parallel. Thread-safe.
 */
final class ConversationQueue {
    private final Map<UUID, CompletableFuture<?>> tails = new ConcurrentHashMap<>();

    /** Queues {@code work} behind the conversation's last send; the result fails with the cause itself, unwrapped. */
    <T> CompletableFuture<T> enqueue(UUID conversationId, Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<?> previous = tails.put(conversationId, result);
        (previous == null ? CompletableFuture.completedFuture(null) : previous)
                .handle((ignored, error) -> null)
                .thenCompose(ignored -> work.get())
                .whenComplete((value, error) -> {
                    tails.remove(conversationId, result);
                    if (error != null) {
                        result.completeExceptionally(unwrap(error));
                    } else {
                        result.complete(value);
                    }
                });
        return result;
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
