package norc.server.files.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * A file's journal (sealed at rest under a pseudonymous persistence id). The chunks themselves
 * are in the chunk store; the journal holds what was uploaded by whom and for whom it is sealed.
 * Times in epoch milliseconds.
 */
public sealed interface FileEvent extends Contract {

    /** The first upload bound the file to its device and parameters. */
    record UploadBound(String user, UUID device, UUID conversationId, long chunkCount, long paddedSize, long at)
            implements FileEvent {}

    /** Chunk {@code index} is in the chunk store; {@code hash} = B3 of its ciphertext (tells a repeat from a conflict). */
    record ChunkStored(int index, byte[] hash, long at) implements FileEvent {}

    /** Sealed by its manifest for a group ({@code group}) or a fixed audience ({@code users}). */
    record FileSealed(byte[] manifestHash, UUID group, List<String> users, long at) implements FileEvent {}

    /** Past its time (an unsealed upload 24 h after its last chunk, a file 7 d after sealing): its chunks go. */
    record FileExpired(long at) implements FileEvent {}
}
