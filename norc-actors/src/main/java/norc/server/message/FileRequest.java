package norc.server.message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.error.ErrorCode;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.contract.WireMessage;
import norc.server.conversation.InboxFanout;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationReply;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.InboxEntries;
import norc.server.files.ChunkStore;
import norc.server.files.api.FileCommand;
import norc.server.files.api.FileReply;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FileChunk;
import norc.wire.message.FileChunkRequest;
import norc.wire.message.FileChunkUpload;
import norc.wire.message.FileManifest;
import norc.wire.message.FileUploadAck;
import norc.wire.message.MessageAck;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Carries one file request of a connection (groups profile B) and answers it with one message:
 * a {@code file_chunk_upload} goes to the file's entity once the uploader is found to be a
 * member of the group it names (or it names no group), and is answered {@code file_upload_ack};
 * a {@code file_chunk_request} asks the file's entity who may read it (a group's current members,
 * or the audience it was sealed for) and answers with the chunk from the {@link ChunkStore}; a
 * {@code file_manifest} seals the file and stores one copy per recipient device (through the
 * group's entity, in its order, for a group; else to the local devices its keys name, whose
 * owners and the sender become the audience), answered {@code message_ack accepted}. Every
 * refusal a non-member could hear is the same {@code 2001} naming only the {@code file_id}.
 */
final class FileRequest {
    private static final Codec STORAGE = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
    private static final int ATTEMPTS = 4;

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record Probed(ConversationReply reply) implements Command {}

    private record FromFile(FileReply reply) implements Command {}

    private record ChunkRead(Optional<byte[]> chunk, Throwable failure) implements Command {}

    private record BudgetChecked(DeviceReply.Spent spent) implements Command {}

    private record Owned(DeviceReply.OwnedBy owner) implements Command {}

    private record Members(ConversationReply reply) implements Command {}

    private record Resolved(UserReply.Recipient recipient) implements Command {}

    private record Shared(ConversationReply reply) implements Command {}

    private record Stored(InboxFanout.Outcome outcome) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    static Behavior<Command> create(MessageRouter.Files request, ServerSettings settings, ShardedEntities entities, ChunkStore chunks) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new FileRequest(context, timers, request, settings, entities, chunks).start()));
    }

    private final ActorContext<Command> context;
    private final MessageRouter.Files request;
    private final ServerSettings settings;
    private final ShardedEntities entities;
    private final ChunkStore chunks;
    private final UUID fileId;
    private final Map<String, Set<UUID>> devices = new HashMap<>();
    private final Set<UUID> audienceDevices = new LinkedHashSet<>();
    private final Set<String> audience = new LinkedHashSet<>();
    private boolean group;
    /** The file's key in the chunk store, once its entity said the requester may read it. */
    private String chunkKey;
    private int awaiting;
    private int attempts;

    private FileRequest(ActorContext<Command> context, TimerScheduler<Command> timers, MessageRouter.Files request,
                        ServerSettings settings, ShardedEntities entities, ChunkStore chunks) {
        this.context = context;
        this.request = request;
        this.settings = settings;
        this.entities = entities;
        this.chunks = chunks;
        NorcMessage message = request.message();
        this.fileId = message instanceof FileChunkUpload u ? u.fileId()
                : message instanceof FileChunkRequest r ? r.fileId() : ((FileManifest) message).fileId();
        timers.startSingleTimer(TimedOut.INSTANCE, settings.delivery().commitTimeout());
    }

    private Behavior<Command> start() {
        NorcMessage message = request.message();
        if (message instanceof FileChunkRequest chunk) {
            entities.file(fileId).tell(new FileCommand.Read(request.user(), chunk.chunkIndex(),
                    context.messageAdapter(FileReply.class, FromFile::new)));
        } else if (message instanceof FileChunkUpload upload) {
            probe(upload.conversationId());
        } else {
            entities.device(request.device()).tell(new DeviceCommand.Spend(DeviceCommand.Budget.MESSAGE,
                    context.messageAdapter(DeviceReply.Spent.class, BudgetChecked::new)));
        }
        return Behaviors.receive(Command.class)
                .onMessage(Probed.class, this::onProbed)
                .onMessage(FromFile.class, this::onFromFile)
                .onMessage(ChunkRead.class, this::onChunkRead)
                .onMessage(BudgetChecked.class, this::onBudgetChecked)
                .onMessage(Owned.class, this::onOwned)
                .onMessage(Members.class, this::onMembers)
                .onMessage(Resolved.class, this::onResolved)
                .onMessage(Shared.class, this::onShared)
                .onMessage(Stored.class, this::onStored)
                .onMessage(TimedOut.class, t -> answer(error(ErrorCode.UNAVAILABLE, Map.of(), 1)))
                .build();
    }

    private void probe(UUID conversationId) {
        entities.conversation(conversationId).tell(new ConversationCommand.Probe(request.user(),
                context.messageAdapter(ConversationReply.class, Probed::new)));
    }

    /** Whether the conversation named is a group, and the requester in it: a group's non-member stops here. */
    private Behavior<Command> onProbed(Probed probed) {
        ConversationReply.Membership membership = (ConversationReply.Membership) probed.reply();
        if (membership.group() && !membership.member()) {
            return answer(error(ErrorCode.FORBIDDEN, Map.of(), 0));
        }
        group = membership.group();
        NorcMessage message = request.message();
        if (message instanceof FileChunkUpload) {
            entities.file(fileId).tell(new FileCommand.Upload(WireMessage.of(message), request.user(), request.device(),
                    context.messageAdapter(FileReply.class, FromFile::new)));
        } else if (message instanceof FileChunkRequest) {
            readChunk(); // a member of the group the file is for
        } else if (group) {
            seal((FileManifest) message, null);
        } else {
            FileManifest manifest = (FileManifest) message; // 1:1: the local devices its keys name, and their owners
            awaiting = manifest.keys().size();
            for (UUID device : manifest.keys().keySet()) {
                entities.device(device).tell(new DeviceCommand.Owner(context.messageAdapter(DeviceReply.OwnedBy.class, Owned::new)));
            }
            if (awaiting == 0) {
                return answer(error(ErrorCode.INVALID_FIELD, Map.of(), 0));
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onFromFile(FromFile from) {
        FileReply reply = from.reply();
        if (reply instanceof FileReply.Refused refused) {
            return answer(error(ErrorCode.ofCode(refused.code()), refused.details(), 0));
        }
        if (reply instanceof FileReply.Held held) {
            return answer(new FileUploadAck(fileId, held.received(), held.expiresAt()));
        }
        if (reply instanceof FileReply.Readable readable) {
            chunkKey = readable.chunkKey();
            if (readable.group() != null) {
                probe(readable.group()); // readers of a group's file: its members now
                return Behaviors.same();
            }
            readChunk();
            return Behaviors.same();
        }
        // sealed: now the copies
        FileManifest manifest = (FileManifest) request.message();
        if (group) {
            askMembers();
        } else {
            long expiresAt = System.currentTimeMillis() + settings.delivery().messageTtl().toMillis();
            List<InboxFanout.Copy> copies = new ArrayList<>();
            for (UUID device : audienceDevices) {
                copies.add(new InboxFanout.Copy(device, fileId, InboxEntries.typeOf(MessageType.FILE_MANIFEST),
                        STORAGE.encodePayload(copyFor(manifest, device)), request.device()));
            }
            context.spawnAnonymous(InboxFanout.once(new InboxFanout.Step(1, copies, null, expiresAt,
                            Optional.of(settings.delivery().commitTimeout())), entities::device, java.time.Duration.ofSeconds(2),
                    context.messageAdapter(InboxFanout.Outcome.class, Stored::new)));
        }
        return Behaviors.same();
    }

    private void readChunk() {
        long index = ((FileChunkRequest) request.message()).chunkIndex();
        context.pipeToSelf(chunks.get(chunkKey, (int) index), ChunkRead::new);
    }

    private Behavior<Command> onChunkRead(ChunkRead read) {
        if (read.failure() != null || read.chunk().isEmpty()) {
            return answer(error(ErrorCode.UNAVAILABLE, Map.of(), 1));
        }
        return answer(new FileChunk(fileId, ((FileChunkRequest) request.message()).chunkIndex(), read.chunk().get()));
    }

    // ---- sealing ------------------------------------------------------------------------------

    private Behavior<Command> onBudgetChecked(BudgetChecked budget) {
        if (!budget.spent().allowed()) {
            return answer(error(ErrorCode.RATE_LIMITED, Map.of(), budget.spent().retryAfterSeconds()));
        }
        probe(((FileManifest) request.message()).conversationId());
        return Behaviors.same();
    }

    private Behavior<Command> onOwned(Owned owned) {
        DeviceReply.OwnedBy owner = owned.owner();
        if (owner.userId() != null && !owner.revoked() && !owner.deviceId().equals(request.device())) {
            audienceDevices.add(owner.deviceId()); // only active local devices count (B.3)
            audience.add(owner.userId());
        }
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        audience.add(request.user());
        seal((FileManifest) request.message(), List.copyOf(audience));
        return Behaviors.same();
    }

    private void seal(FileManifest manifest, List<String> users) {
        byte[] hash = Blake3.hash(manifest.encryptedManifest());
        entities.file(fileId).tell(new FileCommand.Seal(request.device(), manifest.conversationId(), manifest.chunkCount(),
                manifest.paddedSize(), hash, users == null ? manifest.conversationId() : null, users == null ? List.of() : users,
                context.messageAdapter(FileReply.class, FromFile::new)));
    }

    private void askMembers() {
        entities.conversation(((FileManifest) request.message()).conversationId()).tell(new ConversationCommand.Members(request.user(),
                context.messageAdapter(ConversationReply.class, Members::new)));
    }

    private Behavior<Command> onMembers(Members members) {
        if (!(members.reply() instanceof ConversationReply.MemberList list)) {
            return answer(error(ErrorCode.FORBIDDEN, Map.of(), 0));
        }
        devices.clear();
        awaiting = list.members().size();
        var resolved = context.messageAdapter(UserReply.Recipient.class, Resolved::new);
        for (String user : list.members()) {
            entities.user(user).tell(new UserCommand.ResolveRecipient(resolved));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onResolved(Resolved resolved) {
        devices.put(resolved.recipient().userId(), Set.copyOf(resolved.recipient().devices()));
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        FileManifest manifest = (FileManifest) request.message();
        long expiresAt = System.currentTimeMillis() + settings.delivery().messageTtl().toMillis();
        Map<String, Set<UUID>> all = Map.copyOf(devices);
        entities.conversation(manifest.conversationId()).tell(new ConversationCommand.ShareFile(WireMessage.of(manifest), request.user(),
                request.device(), all, expiresAt, context.messageAdapter(ConversationReply.class, Shared::new)));
        return Behaviors.same();
    }

    private Behavior<Command> onShared(Shared shared) {
        ConversationReply reply = shared.reply();
        if (reply instanceof ConversationReply.Sent) {
            return accepted();
        }
        if (reply instanceof ConversationReply.Refused refused) {
            return answer(error(ErrorCode.ofCode(refused.code()), refused.details(), refused.retryAfter()));
        }
        if (reply == ConversationReply.Moved.INSTANCE && ++attempts < ATTEMPTS) {
            askMembers();
            return Behaviors.same();
        }
        return answer(error(reply == ConversationReply.Moved.INSTANCE ? ErrorCode.UNAVAILABLE : ErrorCode.FORBIDDEN, Map.of(), 0));
    }

    private Behavior<Command> onStored(Stored stored) {
        if (!stored.outcome().complete()) {
            return answer(error(ErrorCode.UNAVAILABLE, Map.of(), 1));
        }
        return stored.outcome().inboxFull() ? answer(error(ErrorCode.RATE_LIMITED, Map.of(), MessageDelivery.INBOX_FULL_RETRY_AFTER))
                : accepted();
    }

    private Behavior<Command> accepted() {
        return answer(new MessageAck(fileId, AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
    }

    /** A recipient's copy (F.4): only its own key entry, no sender fields (those are inside). */
    private static FileManifest copyFor(FileManifest manifest, UUID device) {
        return new FileManifest(manifest.fileId(), manifest.conversationId(), manifest.encryptedManifest(),
                Map.of(device, manifest.keys().get(device)), manifest.chunkCount(), manifest.paddedSize());
    }

    private ErrorMessage error(ErrorCode code, Map<String, String> details, long retryAfter) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("file_id", fileId.toString());
        all.putAll(details);
        return new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(),
                retryAfter > 0 ? Optional.of(retryAfter) : Optional.empty(), all);
    }

    private Behavior<Command> answer(NorcMessage answer) {
        request.replyTo().tell(new MessageRouter.FileAnswered(answer));
        return Behaviors.stopped();
    }
}
