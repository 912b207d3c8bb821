package norc.server.message;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.contract.WireMessage;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Relays one {@code presence_update} after a random delay of 0 to {@code presence-max-delay}
 * (spec §6.15: 0–3 s, so presence does not time a user's activity), and only to the users the
 * sender shares a conversation with (spec §3.3.2), on their live connections.
 */
final class PresenceFanout {

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private enum Due implements Command { INSTANCE }

    private record ContactsKnown(UserReply.Contacts contacts) implements Command {}

    static Behavior<Command> create(MessageRouter.Presence presence, ServerSettings settings, ShardedEntities entities) {
        long maxMillis = settings.session().presenceMaxDelay().toMillis();
        Duration delay = Duration.ofMillis(maxMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(maxMillis + 1));
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(Due.INSTANCE, delay);
            return Behaviors.receive(Command.class)
                    .onMessage(Due.class, due -> {
                        entities.user(presence.senderUser())
                                .tell(new UserCommand.GetContacts(context.messageAdapter(UserReply.Contacts.class, ContactsKnown::new)));
                        return Behaviors.same();
                    })
                    .onMessage(ContactsKnown.class, known -> {
                        WireMessage update = WireMessage.of(presence.update());
                        for (String contact : known.contacts().users()) {
                            entities.user(contact)
                                    .tell(new UserCommand.PushToDevices(update, Optional.empty()));
                        }
                        return Behaviors.stopped();
                    })
                    .build();
        }));
    }

    private PresenceFanout() {}
}
