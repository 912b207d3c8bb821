package norc.server.files.api;

import java.util.List;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What a file's entity is asked (groups profile B), sharded by the pseudonym of its
 * {@code file_id}: uploads bind it to a device and its parameters, a manifest seals it for an
 * audience, and downloads ask whether a user may read it. Group membership is the caller's to
 * check (against the group's entity); everything about the upload itself is decided here. Not
 * sealed only because the entity adds private commands of its own.
 */
public interface FileCommand extends Contract {
    EntityTypeKey<FileCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(FileCommand.class, "File");

    /** A {@code file_chunk_upload} (empty {@code ciphertext}: a resume, answered with what is held). */
    record Upload(WireMessage upload, String user, UUID device, ActorRef<FileReply> replyTo) implements FileCommand {}

    /**
     * A {@code file_manifest} of the uploading device: seals the file for {@code group} (a group's
     * conversation id: its members at each download) or else {@code users}. {@code manifestHash}
     * tells an identical repeat (accepted again) from a different one ({@code 3016}).
     */
    record Seal(UUID device, UUID conversationId, long chunkCount, long paddedSize, byte[] manifestHash, UUID group,
                List<String> users, ActorRef<FileReply> replyTo) implements FileCommand {}

    /** May {@code user} read chunk {@code index}? The answer names where it is, or refuses. */
    record Read(String user, long index, ActorRef<FileReply> replyTo) implements FileCommand {}
}
