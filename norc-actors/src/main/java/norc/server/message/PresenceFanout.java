package norc.server.message;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import norc.server.ServerSettings;
import norc.server.user.UserEntity;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Relays one {@code presence_update} after a random delay of 0 to {@code presence-max-delay}
 * (spec §6.15: 0–3 s, so presence does not time a user's activity), and only to the users the
 * sender shares a conversation with (spec §3.3.2), on their live connections.
 */
final class PresenceFanout {

    sealed interface Command {}

    private enum Due implements Command { INSTANCE }

    private record ContactsKnown(UserEntity.Contacts contacts) implements Command {}

    static Behavior<Command> create(MessageRouter.Presence presence, ServerSettings settings, ClusterSharding sharding) {
        long maxMillis = settings.session().presenceMaxDelay().toMillis();
        Duration delay = Duration.ofMillis(maxMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(maxMillis + 1));
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startSingleTimer(Due.INSTANCE, delay);
            return Behaviors.receive(Command.class)
                    .onMessage(Due.class, due -> {
                        sharding.entityRefFor(UserEntity.ENTITY_TYPE_KEY, presence.senderUser())
                                .tell(new UserEntity.GetContacts(context.messageAdapter(UserEntity.Contacts.class, ContactsKnown::new)));
                        return Behaviors.same();
                    })
                    .onMessage(ContactsKnown.class, known -> {
                        for (String contact : known.contacts().users()) {
                            sharding.entityRefFor(UserEntity.ENTITY_TYPE_KEY, contact)
                                    .tell(new UserEntity.PushToDevices(presence.update(), Optional.empty()));
                        }
                        return Behaviors.stopped();
                    })
                    .build();
        }));
    }

    private PresenceFanout() {}
}
