package norc.client;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import norc.wire.message.FileChunk;
import norc.wire.message.FileUploadAck;

/**
 * The file requests a client waits for (groups profile B): chunk uploads, answered in order per
 * file by {@code file_upload_ack}, and chunk requests, answered by {@code file_chunk} naming their
 * index. An {@code error} naming a {@code file_id} fails the oldest upload of that file, or else
 * every chunk request of it. Thread-safe.
 */
final class FileTransfers {
    private record ChunkKey(UUID fileId, long index) {}

    private final Map<UUID, Deque<CompletableFuture<FileUploadAck>>> uploads = new HashMap<>();
    private final Map<ChunkKey, CompletableFuture<byte[]>> chunks = new HashMap<>();

    synchronized CompletableFuture<FileUploadAck> expectAck(UUID fileId) {
        CompletableFuture<FileUploadAck> ack = new CompletableFuture<>();
        uploads.computeIfAbsent(fileId, f -> new ArrayDeque<>()).add(ack);
        return ack;
    }

    synchronized CompletableFuture<byte[]> expectChunk(UUID fileId, long index) {
        return chunks.computeIfAbsent(new ChunkKey(fileId, index), k -> new CompletableFuture<>());
    }

    /** Whether {@code ack} answered a waiting upload. */
    boolean onAck(FileUploadAck ack) {
        CompletableFuture<FileUploadAck> waiting;
        synchronized (this) {
            Deque<CompletableFuture<FileUploadAck>> queue = uploads.get(ack.fileId());
            waiting = queue == null ? null : queue.poll();
            if (queue != null && queue.isEmpty()) {
                uploads.remove(ack.fileId());
            }
        }
        return waiting != null && waiting.complete(ack);
    }

    /** Whether {@code chunk} answered a waiting request. */
    boolean onChunk(FileChunk chunk) {
        CompletableFuture<byte[]> waiting;
        synchronized (this) {
            waiting = chunks.remove(new ChunkKey(chunk.fileId(), chunk.chunkIndex()));
        }
        return waiting != null && waiting.complete(chunk.ciphertext());
    }

    /** Whether an {@code error} naming {@code fileId} answered something waiting. */
    boolean onError(UUID fileId, Throwable failure) {
        CompletableFuture<FileUploadAck> upload = null;
        java.util.List<CompletableFuture<byte[]>> failed = new java.util.ArrayList<>();
        synchronized (this) {
            Deque<CompletableFuture<FileUploadAck>> queue = uploads.get(fileId);
            if (queue != null && !queue.isEmpty()) {
                upload = queue.poll();
            } else {
                for (Iterator<Map.Entry<ChunkKey, CompletableFuture<byte[]>>> it = chunks.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<ChunkKey, CompletableFuture<byte[]>> entry = it.next();
                    if (entry.getKey().fileId().equals(fileId)) {
                        failed.add(entry.getValue());
                        it.remove();
                    }
                }
            }
        }
        if (upload != null) {
            return upload.completeExceptionally(failure);
        }
        failed.forEach(f -> f.completeExceptionally(failure));
        return !failed.isEmpty();
    }

    /** The connection ended: everything waiting fails. */
    void failAll(Throwable failure) {
        java.util.List<CompletableFuture<?>> all = new java.util.ArrayList<>();
        synchronized (this) {
            uploads.values().forEach(all::addAll);
            all.addAll(chunks.values());
            uploads.clear();
            chunks.clear();
        }
        all.forEach(f -> f.completeExceptionally(failure));
    }
}
