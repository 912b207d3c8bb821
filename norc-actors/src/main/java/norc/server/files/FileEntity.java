package norc.server.files;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.error.ErrorCode;
import norc.files.FileCrypto;
import norc.server.files.api.FileCommand;
import norc.server.files.api.FileEvent;
import norc.server.files.api.FileReply;
import norc.server.files.api.QuotaCommand;
import norc.server.files.api.QuotaReply;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import norc.wire.message.FileChunkUpload;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One file (groups profile B.3), sharded by the pseudonym of its {@code file_id}, event-sourced:
 * the first upload binds it to its device and parameters; each chunk is checked against its exact
 * size, written to the {@link ChunkStore} and journalled before it is acknowledged (one chunk at a
 * time per file: the others wait); the uploading device's manifest seals it once every chunk is
 * there, for a group or a fixed audience (a new upload first reserves its padded size in the
 * uploader's {@link FileQuota}: {@code 6002} past it); after that it only answers who may read it, until
 * {@code file-ttl} after sealing (an unsealed upload: {@code upload-ttl} after its last chunk),
 * when its chunks are deleted. Everything another device asks of it, and anything about an
 * unknown or expired file, is {@code 2001}.
 */
public final class FileEntity extends EventSourcedBehavior<FileCommand, FileEvent, FileEntity.State> {

    /** The lifetimes of B.2/B.3. */
    public record Settings(Duration uploadTtl, Duration fileTtl) {}

    /** The file's record (mutable, owned by the entity's thread). */
    static final class State {
        String user;
        UUID device;
        UUID conversationId;
        long chunkCount;
        long paddedSize;
        final Map<Integer, byte[]> hashes = new HashMap<>();
        long lastChunkAt;
        byte[] manifestHash;
        UUID group;
        List<String> users;
        long sealedAt;
        boolean expired;

        boolean bound() {
            return device != null && !expired;
        }

        boolean sealed() {
            return manifestHash != null;
        }
    }

    /** The uploader's quota answered a new upload's reservation (never leaves the node). */
    private record QuotaAnswered(QuotaReply reply, FileCommand.Upload upload) implements FileCommand, NoSerializationVerificationNeeded {}

    /** A chunk's write to the store finished (never leaves the node). */
    private record ChunkWritten(int index, byte[] hash, Throwable failure, ActorRef<FileReply> replyTo)
            implements FileCommand, NoSerializationVerificationNeeded {}

    /** The chunks' expiry was moved to the sealed file's before sealing is journalled (never leaves the node). */
    private record ChunksExtended(FileCommand.Seal seal, long at, Throwable failure) implements FileCommand, NoSerializationVerificationNeeded {}

    private final ActorContext<FileCommand> context;
    private final UUID fileId;
    private final String chunkKey;
    private final ChunkStore chunks;
    private final Settings settings;
    private final SealedEvents<FileEvent> sealedEvents;
    private final java.util.function.Function<String, RecipientRef<QuotaCommand>> quotas;
    /** A chunk write or a reservation is under way: every other command waits. */
    private boolean writing;

    private FileEntity(ActorContext<FileCommand> context, StorageSeal seal, UUID fileId, String chunkKey, ChunkStore chunks,
                       Settings settings, java.util.function.Function<String, RecipientRef<QuotaCommand>> quotas) {
        super(seal.persistenceId(FileCommand.ENTITY_TYPE_KEY.name(), fileId.toString()),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.context = context;
        this.fileId = fileId;
        this.chunkKey = chunkKey;
        this.chunks = chunks;
        this.settings = settings;
        this.quotas = quotas;
        this.sealedEvents = new SealedEvents<>(seal, context.getSystem(), persistenceId(), FileEvent.class);
    }

    /**
     * {@code chunkKey}: the file's key in the chunk store (its entity name, a pseudonym);
     * {@code quotas}: each user's {@link FileQuota}.
     */
    public static Behavior<FileCommand> create(StorageSeal seal, UUID fileId, String chunkKey, ChunkStore chunks, Settings settings,
                                               java.util.function.Function<String, RecipientRef<QuotaCommand>> quotas) {
        return Behaviors.setup(context -> new FileEntity(context, seal, fileId, chunkKey, chunks, settings, quotas));
    }

    /** Sharding for files on this node. */
    public static void init(org.apache.pekko.actor.typed.ActorSystem<?> system, norc.server.ShardedEntities entities, StorageSeal seal,
                            ChunkStore chunks, Settings settings) {
        entities.sharding().init(org.apache.pekko.cluster.sharding.typed.javadsl.Entity.of(FileCommand.ENTITY_TYPE_KEY,
                entity -> create(seal, entities.fileIdOf(entity.getEntityId()), entity.getEntityId(), chunks, settings,
                        entities::fileQuota)));
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    public EventAdapter<FileEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public CommandHandler<FileCommand, FileEvent, State> commandHandler() {
        return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::onCommand);
    }

    private Effect<FileEvent, State> onCommand(State state, FileCommand command) {
        if (command instanceof ChunkWritten written) {
            return onWritten(state, written);
        }
        if (command instanceof QuotaAnswered answered) {
            return onQuotaAnswered(state, answered);
        }
        if (command instanceof ChunksExtended extended) {
            return onExtended(state, extended);
        }
        if (writing) {
            return Effect().stash(); // one chunk at a time
        }
        if (!state.expired && isPastItsTime(state)) {
            return Effect().persist(new FileEvent.FileExpired(System.currentTimeMillis()))
                    .thenRun(s -> chunks.delete(chunkKey))
                    .thenRun(s -> quotas.apply(s.user).tell(new QuotaCommand.Released(fileId)))
                    .thenRun(s -> context.getSelf().tell(command));
        }
        if (command instanceof FileCommand.Upload upload) {
            return onUpload(state, upload);
        }
        if (command instanceof FileCommand.Seal seal) {
            return onSeal(state, seal);
        }
        if (command instanceof FileCommand.Read read) {
            return onRead(state, read);
        }
        return Effect().unhandled();
    }

    private boolean isPastItsTime(State state) {
        long now = System.currentTimeMillis();
        if (state.device == null) {
            return false;
        }
        return state.sealed() ? now > state.sealedAt + settings.fileTtl().toMillis()
                : now > state.lastChunkAt + settings.uploadTtl().toMillis();
    }

    private Effect<FileEvent, State> onUpload(State state, FileCommand.Upload c) {
        FileChunkUpload u = (FileChunkUpload) c.upload().decode();
        if (state.expired) {
            return refuse(c.replyTo(), ErrorCode.FORBIDDEN);
        }
        if (!state.bound()) {
            if (u.chunkCount() > FileCrypto.MAX_CHUNKS) {
                return Effect().reply(c.replyTo(), new FileReply.Refused(ErrorCode.LIMIT_EXCEEDED.code(),
                        Map.of("file_id", fileId.toString(), "limit", "max_file_size")));
            }
            if (FileCrypto.chunkCiphertextLength(u.chunkCount(), u.paddedSize(), 0) < 0) {
                return refuse(c.replyTo(), ErrorCode.INVALID_FIELD); // the last chunk's size is no bucket
            }
            writing = true; // the uploader's quota first (6002)
            long until = System.currentTimeMillis() + settings.uploadTtl().toMillis();
            context.ask(QuotaReply.class, quotas.apply(c.user()), java.time.Duration.ofSeconds(5),
                    replyTo -> new QuotaCommand.Reserve(fileId, c.device(), u.paddedSize(), until, replyTo),
                    (reply, failure) -> new QuotaAnswered(reply, c));
            return Effect().none();
        }
        if (!state.device.equals(c.device())) {
            return refuse(c.replyTo(), ErrorCode.FORBIDDEN); // another device's file
        }
        if (!state.conversationId.equals(u.conversationId()) || state.chunkCount != u.chunkCount()
                || state.paddedSize != u.paddedSize() || state.sealed()) {
            return refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        if (u.ciphertext().length == 0) {
            return Effect().reply(c.replyTo(), held(state)); // a resume: what is held
        }
        long expected = FileCrypto.chunkCiphertextLength(state.chunkCount, state.paddedSize, u.chunkIndex());
        if (expected < 0 || u.ciphertext().length != expected) {
            return refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        byte[] hash = Blake3.hash(u.ciphertext());
        byte[] stored = state.hashes.get((int) u.chunkIndex());
        if (stored != null) {
            return java.security.MessageDigest.isEqual(stored, hash) ? Effect().reply(c.replyTo(), held(state))
                    : refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        writing = true;
        int index = (int) u.chunkIndex();
        context.pipeToSelf(chunks.put(chunkKey, index, u.ciphertext(), System.currentTimeMillis() + settings.uploadTtl().toMillis()),
                (ok, failure) -> new ChunkWritten(index, hash, failure, c.replyTo()));
        return Effect().none();
    }

    private Effect<FileEvent, State> onQuotaAnswered(State state, QuotaAnswered answered) {
        writing = false;
        FileCommand.Upload c = answered.upload();
        if (answered.reply() == null) {
            c.replyTo().tell(new FileReply.Refused(ErrorCode.UNAVAILABLE.code(), Map.of("file_id", fileId.toString())));
            return Effect().unstashAll();
        }
        if (answered.reply() == QuotaReply.EXCEEDED) {
            c.replyTo().tell(new FileReply.Refused(ErrorCode.QUOTA_EXCEEDED.code(), Map.of("file_id", fileId.toString())));
            return Effect().unstashAll();
        }
        FileChunkUpload u = (FileChunkUpload) c.upload().decode();
        return Effect().persist(new FileEvent.UploadBound(c.user(), c.device(), u.conversationId(), u.chunkCount(), u.paddedSize(),
                        System.currentTimeMillis()))
                .thenRun(s -> context.getSelf().tell(c))
                .thenUnstashAll();
    }

    private Effect<FileEvent, State> onWritten(State state, ChunkWritten written) {
        writing = false;
        if (written.failure() != null) {
            Throwable cause = written.failure().getCause() != null ? written.failure().getCause() : written.failure();
            context.getLog().warn("a file chunk could not be stored (answered 9002): {}", cause.getClass().getSimpleName());
            written.replyTo().tell(new FileReply.Refused(ErrorCode.UNAVAILABLE.code(), Map.of("file_id", fileId.toString())));
            return Effect().unstashAll();
        }
        return Effect().persist(new FileEvent.ChunkStored(written.index(), written.hash(), System.currentTimeMillis()))
                .thenRun(s -> written.replyTo().tell(held(s)))
                .thenUnstashAll();
    }

    private Effect<FileEvent, State> onSeal(State state, FileCommand.Seal c) {
        if (!state.bound() || !state.device.equals(c.device())) {
            return refuse(c.replyTo(), ErrorCode.FORBIDDEN);
        }
        if (!state.conversationId.equals(c.conversationId()) || state.chunkCount != c.chunkCount()
                || state.paddedSize != c.paddedSize()) {
            return refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        if (state.sealed()) {
            return java.security.MessageDigest.isEqual(state.manifestHash, c.manifestHash())
                    ? Effect().reply(c.replyTo(), new FileReply.Sealed(true)) : refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        if (state.hashes.size() != state.chunkCount) {
            return refuse(c.replyTo(), ErrorCode.UPLOAD_INCOMPLETE);
        }
        // the chunks outlive the upload first, so the node's sweeper never takes a sealed file's
        writing = true;
        long now = System.currentTimeMillis();
        context.pipeToSelf(chunks.extend(chunkKey, now + settings.fileTtl().toMillis()),
                (ok, failure) -> new ChunksExtended(c, now, failure));
        return Effect().none();
    }

    private Effect<FileEvent, State> onExtended(State state, ChunksExtended extended) {
        writing = false;
        FileCommand.Seal c = extended.seal();
        if (extended.failure() != null) {
            context.getLog().warn("a file's chunks could not be kept for its sealing (answered 9002): {}",
                    extended.failure().getClass().getSimpleName());
            c.replyTo().tell(new FileReply.Refused(ErrorCode.UNAVAILABLE.code(), Map.of("file_id", fileId.toString())));
            return Effect().unstashAll();
        }
        long now = extended.at();
        return Effect().persist(new FileEvent.FileSealed(c.manifestHash(), c.group(), c.group() == null ? List.copyOf(c.users()) : List.of(),
                        now))
                .thenRun(s -> quotas.apply(s.user).tell(new QuotaCommand.Sealed(fileId, now + settings.fileTtl().toMillis())))
                .thenRun(s -> c.replyTo().tell(new FileReply.Sealed(false)))
                .thenUnstashAll();
    }

    private Effect<FileEvent, State> onRead(State state, FileCommand.Read c) {
        if (!state.bound() || !state.sealed() || (state.group == null && !state.users.contains(c.user()))) {
            return refuse(c.replyTo(), ErrorCode.FORBIDDEN); // unknown, unsealed, expired, not allowed: one answer
        }
        if (c.index() < 0 || c.index() >= state.chunkCount) {
            return refuse(c.replyTo(), ErrorCode.CHUNK_REJECTED);
        }
        return Effect().reply(c.replyTo(), new FileReply.Readable(chunkKey, state.group));
    }

    private FileReply.Held held(State state) {
        byte[] received = new byte[(int) ((state.chunkCount + 7) / 8)];
        state.hashes.keySet().forEach(i -> received[i >> 3] |= (byte) (0x80 >> (i & 7)));
        return new FileReply.Held(received, (state.lastChunkAt + settings.uploadTtl().toMillis()) / 1000);
    }

    private Effect<FileEvent, State> refuse(ActorRef<FileReply> replyTo, ErrorCode code) {
        return Effect().reply(replyTo, new FileReply.Refused(code.code(), Map.of("file_id", fileId.toString())));
    }

    @Override
    public EventHandler<State, FileEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(FileEvent.UploadBound.class, (state, e) -> {
                    state.user = e.user();
                    state.device = e.device();
                    state.conversationId = e.conversationId();
                    state.chunkCount = e.chunkCount();
                    state.paddedSize = e.paddedSize();
                    state.lastChunkAt = e.at();
                    return state;
                })
                .onEvent(FileEvent.ChunkStored.class, (state, e) -> {
                    state.hashes.put(e.index(), e.hash());
                    state.lastChunkAt = e.at();
                    return state;
                })
                .onEvent(FileEvent.FileSealed.class, (state, e) -> {
                    state.manifestHash = e.manifestHash();
                    state.group = e.group();
                    state.users = e.users();
                    state.sealedAt = e.at();
                    return state;
                })
                .onEvent(FileEvent.FileExpired.class, (state, e) -> {
                    state.expired = true;
                    state.hashes.clear();
                    return state;
                })
                .build();
    }
}
