package norc.server.conversation.api;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What a group's entity is asked (groups profile A), sharded by the pseudonym of its
 * conversation id. {@code devices}: the active devices of every user the request involves
 * (current members and subjects), resolved by the caller from the user entities just before; a
 * request whose {@code devices} no longer cover the members (they changed meanwhile) is answered
 * {@link ConversationReply.Moved} and asked again. Not sealed only because the entity adds private
 * commands of its own (its fan-outs' results) that never leave its node.
 */
public interface ConversationCommand extends Contract {
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

    /**
     * A {@code message_send} to the group (A.5) by {@code sender}'s device {@code senderDevice},
     * already within the sender's budgets: checked against the device set, then one copy per
     * device stored in the group's order; answered {@link ConversationReply.Sent} once all
     * committed. {@code expiresAt}: the copies' expiry, epoch milliseconds.
     */
    record Send(WireMessage message, String sender, UUID senderDevice, Map<String, Set<UUID>> devices, long expiresAt,
                ActorRef<ConversationReply> replyTo) implements ConversationCommand {}

    /**
     * A sealed file's {@code file_manifest} to the group (B.2): its keys checked against the
     * device set like a message's, one copy per device (only its key) stored in the group's
     * order; answered {@link ConversationReply.Sent} with the {@code file_id}.
     */
    record ShareFile(WireMessage manifest, String sender, UUID senderDevice, Map<String, Set<UUID>> devices, long expiresAt,
                     ActorRef<ConversationReply> replyTo) implements ConversationCommand {}

    /** Whether {@code user} is a member now; answered even for ids that are no group ({@link ConversationReply.Membership}). */
    record Probe(String user, ActorRef<ConversationReply> replyTo) implements ConversationCommand {}

    /**
     * A member's user entity: its active devices changed (registered, rotated, revoked). When
     * they differ from those of the group's last change, the server's {@code devices_changed}
     * follows at once (A.1) rather than at the group's next request.
     */
    record UserDevices(String user, Set<UUID> devices) implements ConversationCommand {}
}
