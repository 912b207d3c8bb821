package norc.server.federation;

import java.time.Duration;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustReply;
import norc.server.federation.api.TrustSummary;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.TrustRevocationReason;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * This node's side of NORC-T (spec §7.2 {@code norc_trust_manager}): it keeps the node's
 * {@link TrustView} current (every {@link TrustJournal} publishes its record on a cluster-wide
 * topic; at start each journal is read once), cuts every link with a peer at once when that peer is
 * revoked or denied, runs this server's requests for trust as temporary {@link TrustExchange}
 * children (a failed one is only reported), and sends {@code trust_revoke} to a peer, retried with
 * backoff for 24 h (profile §6.3; retries do not survive a restart of this node).
 */
public final class TrustManager {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** Ask {@code peer} for {@code level}; {@code replyTo} (may be null) hears how the run ended. */
    public record RequestTrust(String peer, TrustLevel level, String address, String by, ActorRef<TrustExchange.Result> replyTo)
            implements Command {
        public RequestTrust(String peer, TrustLevel level, String address, String by) {
            this(peer, level, address, by, null);
        }
    }

    /** Tell {@code peer} it is revoked ({@code reason}: compromised, policy or request). */
    public record SendRevoke(String peer, String reason) implements Command {}

    private record Changed(TrustSummary summary) implements Command {}

    private record Recovered(TrustReply reply) implements Command {}

    private record Done(TrustExchange.Result result, ActorRef<TrustExchange.Result> replyTo) implements Command {}

    private record RevokeAnswered(String peer, String reason, int attempt, LinkReply result) implements Command {}

    private record RetryRevoke(String peer, String reason, int attempt) implements Command {}

    private static final Duration REVOKE_RETRY_FOR = Duration.ofHours(24);

    public static Behavior<Command> create(FederationContext federation, ActorRef<Topic.Command<TrustSummary>> changes) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new TrustManager(context, timers, federation, changes).receive()));
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final FederationContext federation;
    private final ClusterSharding sharding;

    private TrustManager(ActorContext<Command> context, TimerScheduler<Command> timers, FederationContext federation,
                         ActorRef<Topic.Command<TrustSummary>> changes) {
        this.context = context;
        this.timers = timers;
        this.federation = federation;
        this.sharding = ClusterSharding.get(context.getSystem());
        changes.tell(Topic.subscribe(context.messageAdapter(TrustSummary.class, Changed::new)));
        loadRecords();
    }

    /** Reads every trust journal once (their ids from the journal database), so a restarted node knows every grant. */
    private void loadRecords() {
        ClusterSharding sharding = ClusterSharding.get(context.getSystem());
        String prefix = TrustCommand.ENTITY_TYPE_KEY.name() + "|";
        ActorRef<TrustReply> recovered = context.messageAdapter(TrustReply.class, Recovered::new);
        PersistenceQuery.get(context.getSystem()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
                .currentPersistenceIds()
                .filter(id -> id.startsWith(prefix))
                .runWith(Sink.foreach(id -> sharding.entityRefFor(TrustCommand.ENTITY_TYPE_KEY, id.substring(prefix.length()))
                        .tell(new TrustCommand.Get(recovered))), Materializer.matFromSystem(context.getSystem()));
    }

    private Behavior<Command> receive() {
        return Behaviors.receive(Command.class)
                .onMessage(Changed.class, c -> onChanged(c.summary()))
                .onMessage(Recovered.class, this::onRecovered)
                .onMessage(RequestTrust.class, this::onRequestTrust)
                .onMessage(Done.class, this::onDone)
                .onMessage(SendRevoke.class, s -> sendRevoke(s.peer(), s.reason(), 1))
                .onMessage(RetryRevoke.class, r -> sendRevoke(r.peer(), r.reason(), r.attempt()))
                .onMessage(RevokeAnswered.class, this::onRevokeAnswered)
                .build();
    }

    /** A record read at start: known to this node now, and its outbox (relays queued before a restart) woken. */
    private Behavior<Command> onRecovered(Recovered recovered) {
        if (recovered.reply() instanceof TrustReply.Record record) {
            onChanged(record.summary());
            if (record.summary().grant() != TrustLevel.UNTRUSTED) {
                Outboxes.tellAll(ClusterSharding.get(context.getSystem()), record.summary().serverId(), OutboxCommand.Wake.INSTANCE);
            }
        }
        return Behaviors.same();
    }

    private Behavior<Command> onChanged(TrustSummary summary) {
        TrustLevel before = federation.directory().trust().get(summary.serverId()).map(TrustSummary::grant).orElse(TrustLevel.UNTRUSTED);
        if (federation.directory().trust().update(summary)
                && (summary.deny() || (before != TrustLevel.UNTRUSTED && summary.grant() == TrustLevel.UNTRUSTED))) {
            // revoked or denied: every link with the peer, both ways, closes now (profile §6.3)
            federation.links().drop(summary.serverId());
            LinkCommand.to(sharding, summary.serverId()).tell(new LinkCommand.Cut("trust revoked"));
            context.getLog().info("federation links with a peer cut (trust revoked)");
        }
        return Behaviors.same();
    }

    private Behavior<Command> onRequestTrust(RequestTrust request) {
        ActorRef<TrustExchange.Result> done = context.messageAdapter(TrustExchange.Result.class,
                result -> new Done(result, request.replyTo()));
        context.spawnAnonymous(TrustExchange.create(federation, sharding, request.peer(), request.level(), request.address(),
                request.by(), done)); // temporary: a crash ends this run only
        return Behaviors.same();
    }

    private Behavior<Command> onDone(Done done) {
        TrustExchange.Result result = done.result();
        if (result.code() != null) {
            context.getLog().info("trust request to a peer ended: {} with {}", result.outcome(), result.code().code());
        } else {
            context.getLog().info("trust request to a peer ended: {}", result.outcome());
        }
        if (done.replyTo() != null) {
            done.replyTo().tell(result);
        }
        return Behaviors.same();
    }

    private Behavior<Command> sendRevoke(String peer, String reason, int attempt) {
        TrustRevocationReason why = TrustRevocationReason.valueOf(reason.toUpperCase(java.util.Locale.ROOT));
        context.ask(LinkReply.class, LinkCommand.to(sharding, peer), Duration.ofSeconds(75),
                r -> new LinkCommand.Send(new LinkCommand.TrustRevoke(why), r),
                (result, error) -> new RevokeAnswered(peer, reason, attempt,
                        result != null ? result : LinkReply.Unreachable.of(norc.error.ErrorCode.UNAVAILABLE, 1)));
        return Behaviors.same();
    }

    private Behavior<Command> onRevokeAnswered(RevokeAnswered answered) {
        if (answered.result() instanceof LinkReply.Answered a && a.status() < 500 && a.status() != 429 && a.status() != 409) {
            return Behaviors.same(); // delivered, or refused for good
        }
        long wait = Math.min(300, 1L << Math.min(answered.attempt() - 1, 9));
        long elapsed = 0;
        for (int k = 1; k < answered.attempt(); k++) {
            elapsed += Math.min(300, 1L << Math.min(k - 1, 9));
        }
        if (elapsed < REVOKE_RETRY_FOR.toSeconds()) {
            timers.startSingleTimer(new RetryRevoke(answered.peer(), answered.reason(), answered.attempt() + 1), Duration.ofSeconds(wait));
        }
        return Behaviors.same();
    }
}
