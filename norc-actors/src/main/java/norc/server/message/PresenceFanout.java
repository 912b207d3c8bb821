package norc.server.message;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.contract.WireMessage;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationReply;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Relays one {@code presence_update} after a random delay of 0 to {@code presence-max-delay}
 * (spec §6.15: 0–3 s, so presence does not time a user's activity), and only to the users the
 * sender shares a conversation with (spec §3.3.2): its 1:1 contacts and the current co-members of
 * its groups of at most {@code presence-limit} members (groups profile A.6), on their live connections.
 */
final class PresenceFanout {

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private enum Due implements Command { INSTANCE }

    private enum GiveUp implements Command { INSTANCE }

    private record ContactsKnown(UserReply.Contacts contacts) implements Command {}

    private record MembersKnown(ConversationReply reply) implements Command {}

    /** How long the groups' members are waited for before the update goes to those known. */
    private static final Duration GROUPS_WAIT = Duration.ofSeconds(5);

    static Behavior<Command> create(MessageRouter.Presence presence, ServerSettings settings, ShardedEntities entities) {
        long maxMillis = settings.session().presenceMaxDelay().toMillis();
        Duration delay = Duration.ofMillis(maxMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(maxMillis + 1));
        int limit = settings.groups().presenceLimit();
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(Due.INSTANCE, delay);
            WireMessage update = WireMessage.of(presence.update());
            Set<String> told = new HashSet<>();
            int[] awaiting = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(Due.class, due -> {
                        entities.user(presence.senderUser())
                                .tell(new UserCommand.GetContacts(context.messageAdapter(UserReply.Contacts.class, ContactsKnown::new)));
                        return Behaviors.same();
                    })
                    .onMessage(ContactsKnown.class, known -> {
                        told.add(presence.senderUser());
                        for (String contact : known.contacts().users()) {
                            if (told.add(contact)) {
                                entities.user(contact).tell(new UserCommand.PushToDevices(update, Optional.empty()));
                            }
                        }
                        // groups profile A.6: also the current co-members of the sender's small groups
                        Set<UUID> groups = known.contacts().groups() == null ? Set.of() : known.contacts().groups();
                        if (groups.isEmpty() || limit == 0) {
                            return Behaviors.stopped();
                        }
                        awaiting[0] = groups.size();
                        var members = context.messageAdapter(ConversationReply.class, MembersKnown::new);
                        groups.forEach(group -> entities.conversation(group).tell(new ConversationCommand.Members(presence.senderUser(),
                                members)));
                        timers.startSingleTimer(GiveUp.INSTANCE, GROUPS_WAIT);
                        return Behaviors.same();
                    })
                    .onMessage(MembersKnown.class, known -> {
                        if (known.reply() instanceof ConversationReply.MemberList list && list.members().size() <= limit) {
                            for (String member : list.members()) {
                                if (told.add(member)) {
                                    entities.user(member).tell(new UserCommand.PushToDevices(update, Optional.empty()));
                                }
                            }
                        }
                        return --awaiting[0] > 0 ? Behaviors.same() : Behaviors.stopped();
                    })
                    .onMessage(GiveUp.class, g -> Behaviors.stopped())
                    .build();
        }));
    }

    private PresenceFanout() {}
}
