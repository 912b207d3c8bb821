package norc.server.message;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.federation.Federation;
import norc.server.files.ChunkStore;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Stateless fan-out (spec §7.2 {@code norc_message_router}): for each request it spawns one
 * short-lived worker ({@link MessageDelivery}, {@link KeyLookup}, {@link PresenceFanout},
 * {@link GroupRequest}, {@link FileRequest}) that talks
 * to the sharded entities and answers the connection. Workers are temporary children: a crash
 * stops that one request (its connection hears {@code 9002} after the timeout), never the router.
 */
public final class MessageRouter {

    /** Never leaves this node: each node has its own router, used by its own connections. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** A {@code message_send} from an authenticated device, to be stored in every recipient device's inbox. */
    public record Route(MessageSend message, String senderUser, UUID senderDevice, ActorRef<RouteResult> replyTo)
            implements Command {}

    public sealed interface RouteResult extends NoSerializationVerificationNeeded {}

    /** Every recipient inbox committed the message (or already had it). */
    public record Accepted(UUID messageId) implements RouteResult {}

    /** Not accepted: the code to answer with, and {@code retryAfter} seconds for rate limits (else 0). */
    public record Refused(UUID messageId, ErrorCode code, long retryAfter) implements RouteResult {}

    /** A {@code key_request} from an authenticated device. */
    public record LookupKeys(UUID requesterDevice, List<String> userIds, Optional<List<UUID>> filter,
                             ActorRef<KeyLookupResult> replyTo) implements Command {}

    public sealed interface KeyLookupResult extends NoSerializationVerificationNeeded {}

    public record KeysFound(KeyResponse response) implements KeyLookupResult {}

    public record KeysRefused(ErrorCode code, long retryAfter) implements KeyLookupResult {}

    /** A {@code presence_update} (already stamped with its user) for the users who share a conversation. */
    public record Presence(PresenceUpdate update, String senderUser) implements Command {}

    /**
     * A group request of an authenticated device (groups profile A): {@code conversation_create},
     * {@code conversation_update}, {@code membership_request}, or a {@code message_send} with no
     * recipients.
     */
    public record Group(NorcMessage message, String user, UUID device, ActorRef<GroupAnswered> replyTo) implements Command {}

    /** The one message a group request is answered with. */
    public record GroupAnswered(NorcMessage answer) implements NoSerializationVerificationNeeded {}

    /** A file request of an authenticated device (groups profile B): a chunk upload, a chunk request, a manifest. */
    public record Files(NorcMessage message, String user, UUID device, ActorRef<FileAnswered> replyTo) implements Command {}

    /** The one message a file request is answered with. */
    public record FileAnswered(NorcMessage answer) implements NoSerializationVerificationNeeded {}

    /** {@code federation}: null when federation is off (recipients on other servers then get {@code 5001}). */
    public static Behavior<Command> create(ServerSettings settings, ShardedEntities entities, Federation federation, ChunkStore chunks) {
        return Behaviors.setup(context -> new MessageRouter(context, settings, entities, federation, chunks).receive());
    }

    private final ActorContext<Command> context;
    private final ServerSettings settings;
    private final ShardedEntities entities;
    private final Federation federation;
    private final ChunkStore chunks;

    private MessageRouter(ActorContext<Command> context, ServerSettings settings, ShardedEntities entities, Federation federation,
                          ChunkStore chunks) {
        this.context = context;
        this.settings = settings;
        this.entities = entities;
        this.federation = federation;
        this.chunks = chunks;
    }

    private Behavior<Command> receive() {
        return Behaviors.receive(Command.class)
                .onMessage(Route.class, this::onRoute)
                .onMessage(LookupKeys.class, this::onLookupKeys)
                .onMessage(Presence.class, this::onPresence)
                .onMessage(Group.class, group -> {
                    context.spawnAnonymous(GroupRequest.create(group, settings, entities));
                    return Behaviors.same();
                })
                .onMessage(Files.class, files -> {
                    context.spawnAnonymous(FileRequest.create(files, settings, entities, chunks));
                    return Behaviors.same();
                })
                .build();
    }

    private Behavior<Command> onRoute(Route route) {
        context.spawnAnonymous(MessageDelivery.create(route, settings, entities, federation)); // temporary: stops on failure
        return Behaviors.same();
    }

    private Behavior<Command> onLookupKeys(LookupKeys lookup) {
        context.spawnAnonymous(KeyLookup.create(lookup, settings, entities, federation));
        return Behaviors.same();
    }

    private Behavior<Command> onPresence(Presence presence) {
        context.spawnAnonymous(PresenceFanout.create(presence, settings, entities));
        return Behaviors.same();
    }
}
