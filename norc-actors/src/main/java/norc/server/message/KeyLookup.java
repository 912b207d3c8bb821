package norc.server.message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.UserIds;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.federation.Federation;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.KeyResponse;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Answers one {@code key_request} (spec §3.4.1, profile §5): spends one unit of the requester's
 * key-lookup budget, asks each local user's entity for its active devices and each trusted remote
 * server for its users' (one server-to-server {@code key_request} per server, federation profile
 * §1), and answers in the request's order. Unknown users, users of untrusted or unreachable
 * servers and users without devices all get the same empty entry, so the answer reveals nothing
 * about who exists.
 */
final class KeyLookup {

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record BudgetChecked(DeviceReply.Spent spent) implements Command {}

    private record Found(UserReply.Keys keys) implements Command {}

    private record RemoteFound(String server, List<String> users, LinkReply result) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    static Behavior<Command> create(MessageRouter.LookupKeys lookup, ServerSettings settings, ShardedEntities entities,
                                    Federation federation) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new KeyLookup(context, timers, lookup, settings, entities, federation).start()));
    }

    private final ActorContext<Command> context;
    private final MessageRouter.LookupKeys lookup;
    private final ServerSettings settings;
    private final ShardedEntities entities;
    private final Federation federation;
    private final Map<String, Map<UUID, KeyResponse.DeviceKey>> answer = new LinkedHashMap<>();
    private int awaiting;

    private KeyLookup(ActorContext<Command> context, TimerScheduler<Command> timers, MessageRouter.LookupKeys lookup,
                      ServerSettings settings, ShardedEntities entities, Federation federation) {
        this.context = context;
        this.lookup = lookup;
        this.settings = settings;
        this.entities = entities;
        this.federation = federation;
        timers.startSingleTimer(TimedOut.INSTANCE, settings.delivery().commitTimeout());
    }

    private Behavior<Command> start() {
        if (lookup.userIds().size() > settings.limits().maxUsersPerRequest()) {
            return refuse(ErrorCode.LIMIT_EXCEEDED, 0);
        }
        entities.device(lookup.requesterDevice())
                .tell(new DeviceCommand.Spend(DeviceCommand.Budget.KEY_LOOKUP,
                        context.messageAdapter(DeviceReply.Spent.class, BudgetChecked::new)));
        return Behaviors.receive(Command.class)
                .onMessage(BudgetChecked.class, this::onBudgetChecked)
                .onMessage(Found.class, this::onFound)
                .onMessage(RemoteFound.class, this::onRemoteFound)
                .onMessage(TimedOut.class, t -> refuse(ErrorCode.UNAVAILABLE, 0))
                .build();
    }

    private Behavior<Command> onBudgetChecked(BudgetChecked budget) {
        if (!budget.spent().allowed()) {
            return refuse(ErrorCode.RATE_LIMITED, budget.spent().retryAfterSeconds());
        }
        Map<String, List<String>> remote = new LinkedHashMap<>();
        for (String user : lookup.userIds()) {
            answer.put(user, Map.of());
            if (!UserIds.wellFormed(user)) {
                continue;
            }
            if (UserIds.local(user, settings.serverId())) {
                awaiting++;
                entities.user(user)
                        .tell(new UserCommand.GetKeys(lookup.filter(), context.messageAdapter(UserReply.Keys.class, Found::new)));
            } else if (federation != null
                    && federation.context().directory().grant(UserIds.domain(user)).compareTo(TrustLevel.BASIC) >= 0) {
                remote.computeIfAbsent(UserIds.domain(user), d -> new ArrayList<>()).add(user);
            }
        }
        remote.forEach((server, users) -> {
            awaiting++;
            context.ask(LinkReply.class, LinkCommand.to(entities.sharding(), server), settings.delivery().commitTimeout(),
                    replyTo -> new LinkCommand.Send(new LinkCommand.Keys(List.copyOf(users), lookup.filter().orElse(null)), replyTo),
                    (result, error) -> new RemoteFound(server, users, result));
        });
        return awaiting == 0 ? answer() : Behaviors.same();
    }

    private Behavior<Command> onFound(Found found) {
        answer.put(found.keys().userId(), found.keys().devices());
        return --awaiting > 0 ? Behaviors.same() : answer();
    }

    /**
     * A remote server's answer: only the users asked of it count; its devices are remembered as its
     * own. A server that could not answer makes the whole lookup {@code 9002} (retry): an empty
     * entry would tell the client the user has no device, which it would then refuse to write to,
     * or to believe a message from.
     */
    private Behavior<Command> onRemoteFound(RemoteFound found) {
        if (!(found.result() instanceof LinkReply.Answered a) || a.status() != 200 || !(a.message() instanceof KeyResponse)) {
            long retryAfter = found.result() instanceof LinkReply.Unreachable u ? Math.max(1, u.retryAfterSeconds()) : 1;
            return refuse(ErrorCode.UNAVAILABLE, retryAfter);
        }
        if (found.result() instanceof LinkReply.Answered answered && answered.message() instanceof KeyResponse response) {
            for (String user : found.users()) {
                Map<UUID, KeyResponse.DeviceKey> devices = response.keys().get(user);
                if (devices != null) {
                    answer.put(user, devices);
                    devices.keySet().forEach(d -> federation.remoteDevices().learned(d, found.server()));
                }
            }
        }
        return --awaiting > 0 ? Behaviors.same() : answer();
    }

    private Behavior<Command> answer() {
        lookup.replyTo().tell(new MessageRouter.KeysFound(new KeyResponse(answer)));
        return Behaviors.stopped();
    }

    private Behavior<Command> refuse(ErrorCode code, long retryAfter) {
        lookup.replyTo().tell(new MessageRouter.KeysRefused(code, retryAfter));
        return Behaviors.stopped();
    }
}
