package norc.server.conversation.api;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What a group's entity is asked (groups profile A). {@code devices}: the active devices of every
 * user the request involves (current members and subjects), resolved by the caller from the user
 * entities; a request whose device sets changed meanwhile is refused {@code 3013} and retried.
 */
public sealed interface ConversationCommand extends Contract {
    EntityTypeKey<ConversationCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(ConversationCommand.class, "Conversation");

    /** A {@code conversation_create} from {@code actor}'s device {@code actorDevice}. */
    record Create(WireMessage request, String actor, UUID actorDevice, Map<String, Set<UUID>> devices,
                  ActorRef<ConversationReply> replyTo) implements ConversationCommand {}

    /** A {@code conversation_update}. */
    record Update(WireMessage request, String actor, UUID actorDevice, Map<String, Set<UUID>> devices,
                  ActorRef<ConversationReply> replyTo) implements ConversationCommand {}

    /** A {@code membership_request}: a snapshot, for members only. */
    record Snapshot(UUID requestId, String requester, UUID requesterDevice, ActorRef<ConversationReply> replyTo)
            implements ConversationCommand {}

    /** The current members, for members only (to resolve their devices before a request). */
    record Members(String requester, ActorRef<ConversationReply> replyTo) implements ConversationCommand {}
}
