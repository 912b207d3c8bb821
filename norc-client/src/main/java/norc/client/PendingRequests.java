package norc.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import norc.wire.message.NorcMessage;

/**
 * Requests waiting for the server, oldest first. NORC-C answers carry no request id (except
 * {@code message_ack}, which names its message), so an answer goes to the oldest request of its
 * kind, and an {@code error} goes to the oldest request of any kind: the server answers in the
 * order it received (one connection is one ordered stream). Thread-safe.
 */
final class PendingRequests {

    /** What answers a request. */
    enum Kind {
        /** {@code auth_response} for {@code device_register} or {@code auth_request}. */
        AUTH,
        /** {@code key_response} for {@code key_request}. */
        KEYS,
        /** {@code time_sync} (signed) for {@code time_sync}. */
        TIME,
        /** {@code message_ack accepted|failed} naming the message of a {@code message_send}. */
        SEND,
        /** {@code membership_update} carrying the {@code request_id} of a group request (groups profile A.3). */
        GROUP
    }

    /**
     * One request. {@code onAnswer} runs on the client's inbound thread before the future
     * completes, so state it sets is in place before the next inbound frame is handled.
     */
    static final class Entry {
        final Kind kind;
        final UUID messageId;
        final Function<NorcMessage, Object> onAnswer;
        final CompletableFuture<Object> future = new CompletableFuture<>();

        Entry(Kind kind, UUID messageId, Function<NorcMessage, Object> onAnswer) {
            this.kind = kind;
            this.messageId = messageId;
            this.onAnswer = onAnswer;
        }

        /** Completes with {@code onAnswer(answer)}, or with what {@code onAnswer} threw. */
        void answer(NorcMessage answer) {
            try {
                future.complete(onAnswer.apply(answer));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
        }
    }

    private final Deque<Entry> entries = new ArrayDeque<>();

    synchronized void add(Entry entry) {
        entries.add(entry);
    }

    synchronized boolean remove(Entry entry) {
        return entries.remove(entry);
    }

    /** The oldest request of {@code kind}, removed, or {@code null}. */
    synchronized Entry takeOldest(Kind kind) {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry entry = it.next();
            if (entry.kind == kind) {
                it.remove();
                return entry;
            }
        }
        return null;
    }

    /** The {@code message_send} request of {@code messageId}, removed, or {@code null}. */
    synchronized Entry takeSend(UUID messageId) {
        return take(Kind.SEND, messageId);
    }

    /** The request of {@code kind} with id {@code id} ({@code message_id}, {@code request_id}), removed, or {@code null}. */
    synchronized Entry take(Kind kind, UUID id) {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry entry = it.next();
            if (entry.kind == kind && entry.messageId.equals(id)) {
                it.remove();
                return entry;
            }
        }
        return null;
    }

    /** The oldest request of any kind, removed, or {@code null}. */
    synchronized Entry takeOldest() {
        return entries.poll();
    }

    synchronized List<Entry> takeAll() {
        List<Entry> all = new ArrayList<>(entries);
        entries.clear();
        return all;
    }

    synchronized int size() {
        return entries.size();
    }
}
