package norc.server.message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.server.ShardedEntities;
import norc.server.ServerSettings;
import norc.server.UserIds;
import norc.server.device.api.DeviceCommand;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.device.api.DeviceReply;
import norc.server.federation.Federation;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.federation.api.OutboxReply;
import norc.server.federation.api.RelayEntry;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageSend;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Delivers one {@code message_send} (profile §6): checks it, spends one unit of the sender device's
 * message budget (spec §6.16), resolves every local recipient user's active devices, stores a
 * per-device copy (server-stamped sender, only that device's wrapped key) in each device's inbox,
 * journals one relay per remote recipient server in that server's {@link
 * norc.server.federation.PeerOutbox} (federation profile §5.1, §5.4; the remote server's devices
 * are the {@code keys} no local device took; with several remote servers, each device goes to the
 * server that listed it, asked again if this node has not seen it), and answers {@code Accepted} only when every inbox
 * and every outbox committed. Recipients on a server this one does not trust are refused with
 * {@code 5001}, a classification above a peer's grant with {@code 2002} (§6.4), before anything is
 * stored. Past {@code commit-timeout} it answers {@code 9002}: the sender resends the same
 * {@code message_id}, which inboxes and outboxes deduplicate.
 */
final class MessageDelivery {
    private static final Codec STORAGE = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
    /** Seconds a sender waits before resending to an inbox at its quota. */
    static final long INBOX_FULL_RETRY_AFTER = 60;

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record BudgetChecked(DeviceReply.Spent spent) implements Command {}

    private record Resolved(UserReply.Recipient recipient) implements Command {}

    private record Stored(DeviceReply.StoreReply reply) implements Command {}

    private record Queued(OutboxReply.Queued reply) implements Command {}

    private record RemoteKeys(String server, LinkReply reply) implements Command {}

    private enum TimedOut implements Command { INSTANCE }

    static Behavior<Command> create(MessageRouter.Route route, ServerSettings settings, ShardedEntities entities,
                                    Federation federation) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new MessageDelivery(context, timers, route, settings, entities, federation).start()));
    }

    private final ActorContext<Command> context;
    private final MessageRouter.Route route;
    private final MessageSend message;
    private final ServerSettings settings;
    private final ShardedEntities entities;
    private final Federation federation;
    private final Set<String> users = new LinkedHashSet<>();
    private final Map<String, List<String>> remoteUsers = new LinkedHashMap<>();
    private final Set<UUID> targets = new HashSet<>();
    private final Set<UUID> localDevices = new HashSet<>();
    private final Map<UUID, String> owners = new HashMap<>();
    private final Set<String> reached = new HashSet<>();
    private int awaiting;
    private int keysAwaited;
    private boolean inboxFull;

    private MessageDelivery(ActorContext<Command> context, TimerScheduler<Command> timers, MessageRouter.Route route,
                            ServerSettings settings, ShardedEntities entities, Federation federation) {
        this.context = context;
        this.route = route;
        this.message = route.message();
        this.settings = settings;
        this.entities = entities;
        this.federation = federation;
        timers.startSingleTimer(TimedOut.INSTANCE, settings.delivery().commitTimeout());
    }

    private Behavior<Command> start() {
        ErrorCode invalid = check();
        if (invalid != null) {
            return refuse(invalid, 0);
        }
        entities.device(route.senderDevice())
                .tell(new DeviceCommand.Spend(DeviceCommand.Budget.MESSAGE, (long) message.ciphertext().length * message.keys().size(),
                        context.messageAdapter(DeviceReply.Spent.class, BudgetChecked::new)));
        return Behaviors.receive(Command.class)
                .onMessage(BudgetChecked.class, this::onBudgetChecked)
                .onMessage(Resolved.class, this::onResolved)
                .onMessage(Stored.class, this::onStored)
                .onMessage(Queued.class, this::onQueued)
                .onMessage(RemoteKeys.class, this::onRemoteKeys)
                .onMessage(TimedOut.class, t -> refuse(ErrorCode.UNAVAILABLE, 0))
                .build();
    }

    /** The routing metadata the server may judge (the envelope itself it cannot read). */
    private ErrorCode check() {
        if (message.recipients().isEmpty() || message.keys().isEmpty()) {
            return ErrorCode.INVALID_FIELD;
        }
        if (message.recipients().size() > settings.limits().maxUsersPerRequest()
                || message.keys().size() > settings.limits().maxCopiesPerSend()) {
            return ErrorCode.LIMIT_EXCEEDED;
        }
        long skewMicros = settings.delivery().maxClockSkew().toNanos() / 1000;
        long nowMicros = System.currentTimeMillis() * 1000;
        if (Math.abs(nowMicros - message.metadata().timestamp()) > skewMicros) {
            return ErrorCode.STALE_TIMESTAMP;
        }
        for (String user : message.recipients()) {
            if (!UserIds.wellFormed(user)) {
                return ErrorCode.INVALID_FIELD;
            }
            if (UserIds.local(user, settings.serverId())) {
                users.add(user);
            } else {
                remoteUsers.computeIfAbsent(UserIds.domain(user), d -> new ArrayList<>()).add(user);
            }
        }
        for (String server : remoteUsers.keySet()) { // federation profile §6.4, at the origin
            TrustLevel grant = federation == null ? TrustLevel.UNTRUSTED : federation.context().directory().grant(server);
            if (grant == TrustLevel.UNTRUSTED) {
                return ErrorCode.FEDERATION_REFUSED;
            }
            if (grant.compareTo(federation.context().settings().minimumGrant(message.metadata().classification())) < 0) {
                federation.context().audit().record(AuditEvent.of(AuditKinds.CLASSIFICATION_REFUSED).with("side", "origin")
                        .with("peer", server).with("classification", message.metadata().classification().name().toLowerCase(Locale.ROOT))
                        .with("grant", grant.name().toLowerCase(Locale.ROOT)).user(route.senderUser())
                        .conversation(message.conversationId()));
                return ErrorCode.CLASSIFICATION_NOT_PERMITTED;
            }
        }
        return null;
    }

    private Behavior<Command> onBudgetChecked(BudgetChecked budget) {
        if (!budget.spent().allowed()) {
            return refuse(ErrorCode.RATE_LIMITED, budget.spent().retryAfterSeconds());
        }
        awaiting = users.size();
        if (awaiting == 0) {
            return attributeRemoteDevices();
        }
        ActorRef<UserReply.Recipient> resolved = context.messageAdapter(UserReply.Recipient.class, Resolved::new);
        for (String user : users) {
            entities.user(user).tell(new UserCommand.ResolveRecipient(resolved));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onResolved(Resolved resolved) {
        for (UUID device : resolved.recipient().devices()) {
            localDevices.add(device);
            if (message.keys().containsKey(device) && !device.equals(route.senderDevice())) {
                targets.add(device);
                owners.put(device, resolved.recipient().userId());
            }
        }
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        return attributeRemoteDevices();
    }

    /**
     * With recipients on several remote servers, each relay may carry only its own server's devices.
     * Devices this node has not seen in a {@code key_response} (the client fetched keys through
     * another node, or long ago) are looked up now: one {@code key_request} per remote server for
     * its recipients. A server that cannot answer makes the send {@code 9002}, so nothing is stored
     * until every device has its server.
     */
    private Behavior<Command> attributeRemoteDevices() {
        if (remoteUsers.size() <= 1 || remoteDevices().stream().allMatch(d -> serverOf(d) != null)) {
            return commit();
        }
        keysAwaited = remoteUsers.size();
        remoteUsers.forEach((server, recipients) -> context.ask(LinkReply.class, LinkCommand.to(entities.sharding(), server),
                settings.delivery().commitTimeout(),
                replyTo -> new LinkCommand.Send(new LinkCommand.Keys(List.copyOf(recipients), null), replyTo),
                (reply, error) -> new RemoteKeys(server, reply)));
        return Behaviors.same();
    }

    private Behavior<Command> onRemoteKeys(RemoteKeys keys) {
        if (!(keys.reply() instanceof LinkReply.Answered answered) || answered.status() != 200
                || !(answered.message() instanceof KeyResponse response)) {
            return refuse(ErrorCode.UNAVAILABLE, 1);
        }
        for (String user : remoteUsers.get(keys.server())) {
            Map<UUID, KeyResponse.DeviceKey> devices = response.keys().get(user);
            if (devices != null) {
                devices.keySet().forEach(d -> federation.remoteDevices().learned(d, keys.server()));
            }
        }
        return --keysAwaited > 0 ? Behaviors.same() : commit();
    }

    /** The devices in {@code keys} that are neither local recipients' nor the sender's. */
    private List<UUID> remoteDevices() {
        List<UUID> remote = new ArrayList<>();
        for (UUID device : message.keys().keySet()) {
            if (!targets.contains(device) && !device.equals(route.senderDevice()) && !localDevices.contains(device)) {
                remote.add(device);
            }
        }
        return remote;
    }

    /** The remote server {@code device} belongs to, among this message's; null if not known. */
    private String serverOf(UUID device) {
        return remoteUsers.size() == 1 ? remoteUsers.keySet().iterator().next()
                : federation.remoteDevices().serverOf(device).filter(remoteUsers::containsKey).orElse(null);
    }

    /** Stores every local copy and journals every relay, all at once; answers when all committed. */
    private Behavior<Command> commit() {
        Map<String, RelayEntry> relays = relays();
        if (targets.isEmpty() && relays.isEmpty()) {
            return accept(); // nobody to deliver to; the answer does not reveal which users exist
        }
        awaiting = targets.size() + relays.size();
        long expiresAt = System.currentTimeMillis() + settings.delivery().messageTtl().toMillis();
        for (UUID device : targets) {
            entities.device(device)
                    .tell(new DeviceCommand.Store(message.messageId(), STORAGE.encodePayload(copyFor(device)), route.senderDevice(),
                            expiresAt, null, context.messageAdapter(DeviceReply.StoreReply.class, Stored::new)));
        }
        relays.forEach((server, entry) -> Outboxes.forConversation(entities.sharding(), server, entry.conversationId())
                .tell(new OutboxCommand.Enqueue(entry, context.messageAdapter(OutboxReply.Queued.class, Queued::new))));
        return Behaviors.same();
    }

    /**
     * One relay per remote server that has devices in {@code keys}: the keys no local device took
     * (and not the sender's own device) belong to the remote servers; with several, each device goes
     * to the server whose {@code key_response} named it.
     */
    private Map<String, RelayEntry> relays() {
        Map<String, RelayEntry> relays = new LinkedHashMap<>();
        if (remoteUsers.isEmpty()) {
            return relays;
        }
        Map<String, Map<UUID, byte[]>> payloads = new LinkedHashMap<>();
        for (UUID device : remoteDevices()) {
            String server = serverOf(device);
            if (server != null) {
                payloads.computeIfAbsent(server, s -> new LinkedHashMap<>()).put(device, STORAGE.encodeMessage(copyFor(device)));
            }
        }
        long expiresAt = System.currentTimeMillis() / 1000 + federation.context().settings().relayTtl().toSeconds();
        String classification = message.metadata().classification().name().toLowerCase(Locale.ROOT);
        payloads.forEach((server, copies) -> relays.put(server, new RelayEntry(message.messageId(), message.conversationId(),
                route.senderDevice(), List.copyOf(remoteUsers.get(server)), copies, classification, expiresAt)));
        return relays;
    }

    private Behavior<Command> onQueued(Queued queued) {
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        recordContacts();
        return accept();
    }

    private Behavior<Command> onStored(Stored stored) {
        switch (stored.reply().result()) {
            case STORED, DUPLICATE -> reached.add(owners.get(stored.reply().deviceId()));
            case INBOX_FULL -> inboxFull = true;
            case REVOKED -> { }
        }
        if (--awaiting > 0) {
            return Behaviors.same();
        }
        recordContacts();
        // a recipient's inbox at its quota: the sender retries later with the same message_id
        // (the copies stored meanwhile are deduplicated)
        return inboxFull ? refuse(ErrorCode.RATE_LIMITED, INBOX_FULL_RETRY_AFTER) : accept();
    }

    /**
     * The sender and every user who now holds a copy become each other's contacts (presence goes to
     * contacts, spec §6.15): only once something was stored, so that a send that reached nobody
     * records nothing about who tried to reach whom.
     */
    private void recordContacts() {
        if (reached.isEmpty()) {
            return;
        }
        Set<String> members = new HashSet<>(reached);
        members.add(route.senderUser());
        for (String user : members) {
            entities.user(user).tell(new UserCommand.AddContacts(members));
        }
    }

    /** The recipient device's copy: the server stamps the sender and keeps only that device's key. */
    private MessageSend copyFor(UUID device) {
        MessageSend copy = new MessageSend(message.messageId(), message.conversationId(), message.recipients(),
                message.metadata(), message.e2eSequence(), message.e2ePrevHash(), message.ciphertext(),
                Map.of(device, message.keys().get(device)), message.senderSignature(),
                Optional.of(route.senderUser()), Optional.of(route.senderDevice()));
        return copy;
    }

    private Behavior<Command> accept() {
        route.replyTo().tell(new MessageRouter.Accepted(message.messageId()));
        return Behaviors.stopped();
    }

    private Behavior<Command> refuse(ErrorCode code, long retryAfter) {
        route.replyTo().tell(new MessageRouter.Refused(message.messageId(), code, retryAfter));
        return Behaviors.stopped();
    }
}
