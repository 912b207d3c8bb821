package norc.client;

import java.util.Objects;
import java.util.UUID;
import norc.wire.message.FileManifest;

/**
 * A file another device shared with this one (groups profile B): its manifest opened and its
 * sender's signature checked. {@link NorcClient#downloadFile} fetches and verifies its chunks.
 * Holds the file key; {@link #toString} shows neither it nor the name.
 */
public final class ReceivedFile {
    final FileManifest manifest;
    final FileManifest.Plain plain;
    final byte[] fileKey;

    ReceivedFile(FileManifest manifest, FileManifest.Plain plain, byte[] fileKey) {
        this.manifest = Objects.requireNonNull(manifest);
        this.plain = Objects.requireNonNull(plain);
        this.fileKey = fileKey;
    }

    public UUID fileId() {
        return manifest.fileId();
    }

    public UUID conversationId() {
        return manifest.conversationId();
    }

    public String senderUserId() {
        return plain.senderUserId();
    }

    public UUID senderDeviceId() {
        return plain.senderDeviceId();
    }

    public String name() {
        return plain.name();
    }

    public String mimeType() {
        return plain.mimeType();
    }

    public long size() {
        return plain.size();
    }

    @Override
    public String toString() {
        return "ReceivedFile[" + manifest.fileId() + "]";
    }
}
