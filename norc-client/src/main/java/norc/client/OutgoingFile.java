package norc.client;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import norc.files.FileCrypto;

/**
 * A file on its way out (groups profile B): its {@code file_id} and {@code file_key}, fixed when it
 * is {@linkplain NorcClient#prepareFile prepared}, so that an upload cut off half way resumes with
 * the same ids on any later connection of the same device ({@link NorcClient#uploadFile}) and only
 * the chunks the server lacks go again. The file on disk must not change meanwhile. Holds the
 * file key: {@link #erase} it once the manifest was accepted. {@link #toString} names no file.
 */
public final class OutgoingFile {
    final UUID fileId;
    final UUID conversationId;
    final Path path;
    final String name;
    final String mimeType;
    final long size;
    final byte[] fileKey;

    OutgoingFile(UUID fileId, UUID conversationId, Path path, String name, String mimeType, long size, byte[] fileKey) {
        this.fileId = Objects.requireNonNull(fileId);
        this.conversationId = Objects.requireNonNull(conversationId);
        this.path = Objects.requireNonNull(path);
        this.name = Objects.requireNonNull(name);
        this.mimeType = Objects.requireNonNull(mimeType);
        this.size = size;
        this.fileKey = fileKey;
    }

    public UUID fileId() {
        return fileId;
    }

    public UUID conversationId() {
        return conversationId;
    }

    public long size() {
        return size;
    }

    public int chunkCount() {
        return FileCrypto.chunkCount(size);
    }

    public long paddedSize() {
        return FileCrypto.paddedSize(size);
    }

    /** Erases the file key. */
    public void erase() {
        Arrays.fill(fileKey, (byte) 0);
    }

    @Override
    public String toString() {
        return "OutgoingFile[" + fileId + "]";
    }
}
