package norc.server.message;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import norc.error.ErrorCode;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.UserIds;
import norc.server.contract.WireMessage;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationReply;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.ConversationAction;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.ErrorMessage;
import norc.wire.message.MembershipRequest;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Carries one group request of a connection (groups profile A.3, A.5) to its group's
 * {@link norc.server.conversation.ConversationEntity}: spends one unit of the device's message
 * budget, learns the members (a non-member and an unknown id stop here with the same
 * {@code 2001}), resolves the active devices of every user involved from their user entities, and
 * asks the group, which decides and stores; then answers the connection with the one message it
 * sends back ({@code membership_update}, {@code message_ack accepted} or {@code error}). When the
 * members changed between the lookup and the decision the group says so and this asks again (a
 * few times). Past {@code commit-timeout}: {@code 9002}, and the client resends the same id.
 */
final class GroupRequest {
    /** How often the members may move under one request before it is answered {@code 9002}. */
    private static final int ATTEMPTS = 4;

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record BudgetChecked(DeviceReply.Spent spent) implements Command {}

    private record Membership(ConversationReply reply) implements Command {}

    private record Resolved(UserReply.Recipient recipient) implements Command {}

    private record Decided(ConversationReply reply) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    static Behavior<Command> create(MessageRouter.Group request, ServerSettings settings, ShardedEntities entities) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new GroupRequest(context, timers, request, settings, entities).start()));
    }

    private final ActorContext<Command> context;
    private final MessageRouter.Group request;
    private final ServerSettings settings;
    private final ShardedEntities entities;
    private final NorcMessage message;
    private final UUID conversationId;
    /** The request's own id, the only thing a {@code 2001} names (F.3). */
    private final Map<String, String> named;
    private final Map<String, Set<UUID>> devices = new HashMap<>();
    private int awaiting;
    private int attempts;

    private GroupRequest(ActorContext<Command> context, TimerScheduler<Command> timers, MessageRouter.Group request,
                         ServerSettings settings, ShardedEntities entities) {
        this.context = context;
        this.request = request;
        this.settings = settings;
        this.entities = entities;
        this.message = request.message();
        if (message instanceof ConversationCreate create) {
            conversationId = create.conversationId();
            named = Map.of("request_id", create.requestId().toString());
        } else if (message instanceof ConversationUpdate update) {
            conversationId = update.conversationId();
            named = Map.of("request_id", update.requestId().toString());
        } else if (message instanceof MembershipRequest snapshot) {
            conversationId = snapshot.conversationId();
            named = Map.of("request_id", snapshot.requestId().toString());
        } else {
            MessageSend send = (MessageSend) message;
            conversationId = send.conversationId();
            named = Map.of("message_id", send.messageId().toString());
        }
        timers.startSingleTimer(TimedOut.INSTANCE, settings.delivery().commitTimeout());
    }

    private Behavior<Command> start() {
        ErrorCode invalid = check();
        if (invalid != null) {
            return answer(error(invalid, 0));
        }
        long bytes = message instanceof MessageSend send ? (long) send.ciphertext().length * send.keys().size() : 0;
        entities.device(request.device()).tell(new DeviceCommand.Spend(DeviceCommand.Budget.MESSAGE, bytes,
                context.messageAdapter(DeviceReply.Spent.class, BudgetChecked::new)));
        return Behaviors.receive(Command.class)
                .onMessage(BudgetChecked.class, this::onBudgetChecked)
                .onMessage(Membership.class, this::onMembership)
                .onMessage(Resolved.class, this::onResolved)
                .onMessage(Decided.class, this::onDecided)
                .onMessage(TimedOut.class, t -> answer(error(ErrorCode.UNAVAILABLE, 1)))
                .build();
    }

    /** What can be judged before anything is asked: the clock of a message, the users a creation names. */
    private ErrorCode check() {
        if (message instanceof MessageSend send) {
            long skewMicros = settings.delivery().maxClockSkew().toNanos() / 1000;
            return Math.abs(System.currentTimeMillis() * 1000 - send.metadata().timestamp()) > skewMicros ? ErrorCode.STALE_TIMESTAMP : null;
        }
        Iterable<String> users = message instanceof ConversationCreate create ? create.members().keySet()
                : message instanceof ConversationUpdate update ? update.subjects() : java.util.List.of();
        for (String user : users) {
            if (!UserIds.wellFormed(user)) {
                return ErrorCode.INVALID_FIELD;
            }
            if (!UserIds.local(user, settings.serverId())) {
                return ErrorCode.FEDERATION_REFUSED; // members are local (A.1)
            }
        }
        return null;
    }

    private Behavior<Command> onBudgetChecked(BudgetChecked budget) {
        if (!budget.spent().allowed()) {
            return answer(error(ErrorCode.RATE_LIMITED, budget.spent().retryAfterSeconds()));
        }
        if (message instanceof MembershipRequest snapshot) {
            ask(replyTo -> new ConversationCommand.Snapshot(snapshot.requestId(), request.user(), request.device(), replyTo));
            return Behaviors.same();
        }
        if (message instanceof ConversationCreate create) {
            Set<String> users = new LinkedHashSet<>(create.members().keySet());
            users.add(request.user());
            resolve(users);
            return Behaviors.same();
        }
        askMembers();
        return Behaviors.same();
    }

    private void askMembers() {
        entities.conversation(conversationId).tell(new ConversationCommand.Members(request.user(),
                context.messageAdapter(ConversationReply.class, Membership::new)));
    }

    private Behavior<Command> onMembership(Membership membership) {
        if (!(membership.reply() instanceof ConversationReply.MemberList list)) {
            return answer(error(ErrorCode.FORBIDDEN, 0)); // not a member, or no such group: one answer
        }
        Set<String> users = new LinkedHashSet<>(list.members());
        if (message instanceof ConversationUpdate update) {
            users.addAll(update.subjects());
        }
        resolve(users);
        return Behaviors.same();
    }

    private void resolve(Set<String> users) {
        devices.clear();
        awaiting = users.size();
        var resolved = context.messageAdapter(UserReply.Recipient.class, Resolved::new);
        for (String user : users) {
            entities.user(user).tell(new UserCommand.ResolveRecipient(resolved));
        }
    }

    private Behavior<Command> onResolved(Resolved resolved) {
        UserReply.Recipient recipient = resolved.recipient();
        boolean joining = message instanceof ConversationCreate create ? create.members().containsKey(recipient.userId())
                : message instanceof ConversationUpdate update && update.action() == ConversationAction.ADD
                && update.subjects().contains(recipient.userId());
        // a subject at its group limit cannot be added: to the rules it has no device (2004, A.3)
        boolean atLimit = joining && recipient.groups() >= settings.groups().maxPerUser();
        devices.put(recipient.userId(), atLimit ? Set.of() : Set.copyOf(recipient.devices()));
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        Map<String, Set<UUID>> all = Map.copyOf(devices);
        WireMessage wire = WireMessage.of(message);
        if (message instanceof ConversationCreate) {
            ask(replyTo -> new ConversationCommand.Create(wire, request.user(), request.device(), all, replyTo));
        } else if (message instanceof ConversationUpdate) {
            ask(replyTo -> new ConversationCommand.Update(wire, request.user(), request.device(), all, replyTo));
        } else {
            long expiresAt = System.currentTimeMillis() + settings.delivery().messageTtl().toMillis();
            ask(replyTo -> new ConversationCommand.Send(wire, request.user(), request.device(), all, expiresAt, replyTo));
        }
        return Behaviors.same();
    }

    /** Sends the group the command {@code addressed} builds around this request's reply address. */
    private void ask(Function<ActorRef<ConversationReply>, ConversationCommand> addressed) {
        entities.conversation(conversationId).tell(addressed.apply(context.messageAdapter(ConversationReply.class, Decided::new)));
    }

    private Behavior<Command> onDecided(Decided decided) {
        ConversationReply reply = decided.reply();
        if (reply instanceof ConversationReply.Applied applied) {
            return answer(applied.answer().decode());
        }
        if (reply instanceof ConversationReply.Sent sent) {
            return answer(new MessageAck(sent.messageId(), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
        }
        if (reply instanceof ConversationReply.Refused refused) {
            return answer(error(ErrorCode.ofCode(refused.code()), refused.details(), refused.retryAfter()));
        }
        if (reply == ConversationReply.Moved.INSTANCE && ++attempts < ATTEMPTS) {
            askMembers(); // the members changed under this request: once more with theirs
            return Behaviors.same();
        }
        if (reply == ConversationReply.Moved.INSTANCE) {
            return answer(error(ErrorCode.UNAVAILABLE, 1));
        }
        return answer(error(ErrorCode.FORBIDDEN, 0));
    }

    private ErrorMessage error(ErrorCode code, long retryAfter) {
        return error(code, Map.of(), retryAfter);
    }

    /** An {@code error} naming the request ({@code request_id} or {@code message_id}) and, to members, {@code details}. */
    private ErrorMessage error(ErrorCode code, Map<String, String> details, long retryAfter) {
        Map<String, String> all = new LinkedHashMap<>(named);
        all.putAll(details);
        return new ErrorMessage(code.code(), code.category().atom(), code.genericMessage(),
                retryAfter > 0 ? Optional.of(retryAfter) : Optional.empty(), all);
    }

    private Behavior<Command> answer(NorcMessage answer) {
        request.replyTo().tell(new MessageRouter.GroupAnswered(answer));
        return Behaviors.stopped();
    }
}
