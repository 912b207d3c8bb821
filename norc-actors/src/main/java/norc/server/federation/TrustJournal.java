package norc.server.federation;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.federation.FederationSignatures;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustEvent;
import norc.server.federation.api.TrustReply;
import norc.server.federation.api.TrustReply.Outcome;
import norc.server.federation.api.TrustSnapshot;
import norc.server.federation.api.TrustSummary;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.message.TrustChallenge;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * This server's trust record for one peer server (sharded by the peer's {@code server_id},
 * event-sourced, hash-chained; federation profile §6): {@code grant} with method and who decided,
 * {@code asked}, {@code deny}, the pinned key (from the first grant, never replaced), the open
 * challenge, and every request, challenge, response and revocation in canonical bytes. Decisions
 * (§6.2, §6.3): a basic request proven by {@code dns} or {@code ca} is granted by policy when
 * {@code auto_accept} is on, a request at or below {@code asked} by policy once its proof passes
 * (the reciprocal grant notice), anything else waits for an operator ({@code 202}). Each change is
 * published as a {@link TrustSummary} to every node, and a grant that exceeds {@code asked} sends
 * the peer the grant notice through this node's {@link TrustManager}.
 */
public final class TrustJournal
        extends EventSourcedBehaviorWithEnforcedReplies<TrustCommand, TrustEvent, TrustJournal.State> {

    static final Duration CHALLENGE_LIFETIME = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Mutable, changed only by the event handler. */
    public static final class State {
        TrustSummary summary;
        UUID challengeId;
        byte[] challengeData;
        String challengeMethod;
        TrustLevel challengeLevel;
        long challengeExpiresAt;
        byte[] challengeCanon;
        byte[] challengePeerKey;
        Outcome answered;
        byte[] chainHash = TrustChain.GENESIS;

        State(String serverId) {
            summary = TrustSummary.none(serverId);
        }

        TrustReply.ChallengeView challenge() {
            return challengeId == null ? null
                    : new TrustReply.ChallengeView(challengeId, challengeData, challengeMethod, challengeCanon, challengeExpiresAt);
        }
    }

    /** Registers the entity type; {@code trust}: this node's {@link TrustManager}, for grant notices. */
    public static void init(ActorSystem<?> system, FederationContext federation, ActorRef<Topic.Command<TrustSummary>> changes,
                            ActorRef<TrustManager.Command> trust) {
        ClusterSharding.get(system).init(Entity.of(TrustCommand.ENTITY_TYPE_KEY,
                context -> new TrustJournal(context.getEntityId(), federation, changes, trust)));
    }

    private final String peer;
    private final FederationContext federation;
    private final ActorRef<Topic.Command<TrustSummary>> changes;
    private final ActorRef<TrustManager.Command> trust;

    private TrustJournal(String peer, FederationContext federation, ActorRef<Topic.Command<TrustSummary>> changes,
                         ActorRef<TrustManager.Command> trust) {
        super(PersistenceId.of(TrustCommand.ENTITY_TYPE_KEY.name(), peer),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.peer = peer;
        this.federation = federation;
        this.changes = changes;
        this.trust = trust;
    }

    @Override
    public State emptyState() {
        if (template == null) {
            template = new State(peer);
        }
        return template;
    }

    /**
     * The empty state Pekko starts every recovery from: its Java API asks for it once per entity
     * and reuses it after a restart, so it is never changed; the event handler applies the first
     * event to a fresh copy (else a restart after a failed write would recover on top of the failed
     * incarnation's state, the failed event applied).
     */
    private State template;

    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(100, 2); // the evidence stays in the journal: events are not deleted
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(State s) {
                return new TrustSnapshot(s.summary, s.challengeId, s.challengeData, s.challengeMethod, s.challengeLevel,
                        s.challengeExpiresAt, s.challengeCanon, s.answered, s.chainHash);
            }

            @Override
            public State fromJournal(Object from) {
                TrustSnapshot t = (TrustSnapshot) from;
                State s = new State(peer);
                s.summary = t.summary();
                s.challengeId = t.challengeId();
                s.challengeData = t.challengeData();
                s.challengeMethod = t.challengeMethod();
                s.challengeLevel = t.challengeLevel();
                s.challengeExpiresAt = t.challengeExpiresAt();
                s.challengeCanon = t.challengeCanon();
                s.answered = t.answered();
                s.chainHash = t.chainHash();
                return s;
            }
        };
    }

    @Override
    public CommandHandlerWithReply<TrustCommand, TrustEvent, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(TrustCommand.Get.class, (s, c) -> Effect().reply(c.replyTo(), record(s, Outcome.UNCHANGED)))
                .onCommand(TrustCommand.Add.class, this::onAdd)
                .onCommand(TrustCommand.Ask.class, this::onAsk)
                .onCommand(TrustCommand.IssueChallenge.class, this::onIssueChallenge)
                .onCommand(TrustCommand.Answer.class, this::onAnswer)
                .onCommand(TrustCommand.Decide.class, this::onDecide)
                .onCommand(TrustCommand.Revoke.class, this::onRevoke)
                .onCommand(TrustCommand.RevokedByPeer.class, this::onRevokedByPeer)
                .onCommand(TrustCommand.LiftDeny.class, this::onLiftDeny)
                .build();
    }

    private static TrustReply.Record record(State s, Outcome outcome) {
        return new TrustReply.Record(s.summary, outcome, s.challenge());
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private ReplyEffect<TrustEvent, State> persist(State s, TrustEvent event, Outcome outcome, ActorRef<TrustReply> replyTo) {
        return Effect().persist(event).thenRun(this::publish).thenReply(replyTo, after -> record(after, outcome));
    }

    private void publish(State s) {
        changes.tell(Topic.publish(s.summary));
    }

    /** Every decision and revocation is audited (spec §6.18, profile §6.3), naming the peer and who decided. */
    private void audit(String kind, String decision, TrustLevel level, String method, String by) {
        AuditEvent event = AuditEvent.of(kind).with("peer", peer).with("decision", decision).with("by", by);
        if (level != null) {
            event = event.with("level", level.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (method != null) {
            event = event.with("method", method);
        }
        federation.audit().record(event);
    }

    private ReplyEffect<TrustEvent, State> onAdd(State s, TrustCommand.Add c) {
        // an existing record keeps its address unless a new one is given (norc admin trust deny adds without one)
        if (s.summary.exists() && (c.address().isEmpty() || c.address().equals(s.summary.address()))) {
            return Effect().reply(c.replyTo(), record(s, Outcome.UNCHANGED));
        }
        long at = now();
        return persist(s, new TrustEvent.Created(c.address(), c.by(), at,
                TrustChain.next(s.chainHash, "created", c.address(), c.by(), at)), Outcome.CREATED, c.replyTo());
    }

    private ReplyEffect<TrustEvent, State> onAsk(State s, TrustCommand.Ask c) {
        if (s.summary.deny()) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(ErrorCode.FEDERATION_REFUSED.code()));
        }
        if (s.summary.asked() != null && s.summary.asked().compareTo(c.level()) >= 0) {
            return Effect().reply(c.replyTo(), record(s, Outcome.UNCHANGED));
        }
        String address = c.address().isEmpty() ? s.summary.address() : c.address();
        long at = now();
        return persist(s, new TrustEvent.Asked(c.level(), address, c.by(), at,
                TrustChain.next(s.chainHash, "asked", c.level(), address, c.by(), at)), Outcome.ASKED, c.replyTo());
    }

    /** §6.2 step 2: a request re-sent while its challenge is open gets the same challenge. */
    private ReplyEffect<TrustEvent, State> onIssueChallenge(State s, TrustCommand.IssueChallenge c) {
        if (s.summary.deny()) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(ErrorCode.FEDERATION_REFUSED.code()));
        }
        long at = now();
        if (s.challengeId != null && s.answered == null && s.challengeExpiresAt * 1000 > at
                && s.challengeLevel == c.level() && s.challengeMethod.equals(c.method())) {
            return Effect().reply(c.replyTo(), record(s, Outcome.CHALLENGED));
        }
        UUID id = UUID.randomUUID();
        byte[] data = new byte[32];
        RANDOM.nextBytes(data);
        long expiresAt = at / 1000 + CHALLENGE_LIFETIME.toSeconds();
        TrustChallenge challenge = FederationSignatures.signTrustChallenge(federation.own().secretKey(), new TrustChallenge(id, data,
                ValidationMethod.valueOf(c.method().toUpperCase(java.util.Locale.ROOT)), expiresAt, new byte[64]));
        byte[] canon = FederationSignatures.canon(challenge);
        return persist(s, new TrustEvent.ChallengeIssued(id, data, c.method(), c.level(), expiresAt, c.requestCanon(), canon,
                c.peerKey(), c.serverInfoCanon(), at,
                TrustChain.next(s.chainHash, "challenge-issued", id, data, c.method(), c.level(), expiresAt, c.requestCanon(), canon,
                        c.peerKey(), c.serverInfoCanon(), at)), Outcome.CHALLENGED, c.replyTo());
    }

    /** §6.2 step 3 and the decision of §6.1/§6.3. */
    private ReplyEffect<TrustEvent, State> onAnswer(State s, TrustCommand.Answer c) {
        long at = now();
        if (s.challengeId == null || !s.challengeId.equals(c.challengeId())) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(ErrorCode.CHALLENGE_FAILED.code()));
        }
        if (s.answered != null) { // a re-sent response gets the first answer
            return Effect().reply(c.replyTo(), s.answered == Outcome.REJECTED
                    ? new TrustReply.Refused(ErrorCode.CHALLENGE_FAILED.code()) : record(s, s.answered));
        }
        if (s.challengeExpiresAt * 1000 <= at || s.summary.deny()) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(s.summary.deny()
                    ? ErrorCode.FEDERATION_REFUSED.code() : ErrorCode.CHALLENGE_FAILED.code()));
        }
        if (!c.proofPassed()) {
            TrustEvent failed = new TrustEvent.ChallengeAnswered(c.challengeId(), c.responseCanon(), Outcome.REJECTED, at,
                    TrustChain.next(s.chainHash, "challenge-answered", c.challengeId(), c.responseCanon(), Outcome.REJECTED, at));
            return Effect().persist(failed).thenRun(after -> {
                publish(after);
                audit(AuditKinds.TRUST_DECISION, "proof-failed", s.challengeLevel, s.challengeMethod, "policy");
            }).thenReply(c.replyTo(), after -> new TrustReply.Refused(ErrorCode.CHALLENGE_FAILED.code()));
        }
        TrustLevel level = s.challengeLevel;
        boolean byPolicy = (s.summary.asked() != null && level.compareTo(s.summary.asked()) <= 0)
                || (level == TrustLevel.BASIC && federation.settings().autoAccept() && !"manual".equals(s.challengeMethod));
        Outcome outcome = byPolicy ? Outcome.GRANTED : Outcome.PENDING;
        List<TrustEvent> events = new ArrayList<>();
        byte[] hash = TrustChain.next(s.chainHash, "challenge-answered", c.challengeId(), c.responseCanon(), outcome, at);
        events.add(new TrustEvent.ChallengeAnswered(c.challengeId(), c.responseCanon(), outcome, at, hash));
        if (byPolicy) {
            events.add(granted(hash, level, s.challengeMethod, "policy", s, at));
        }
        return Effect().persist(events).thenRun(after -> {
            publish(after);
            audit(AuditKinds.TRUST_DECISION, byPolicy ? "granted" : "pending", level, s.challengeMethod, "policy");
            if (byPolicy) {
                notice(after, level);
            }
        }).thenReply(c.replyTo(), after -> record(after, outcome));
    }

    private TrustEvent.Granted granted(byte[] previous, TrustLevel level, String method, String by, State s, long at) {
        byte[] pin = s.summary.pinnedKey() != null ? s.summary.pinnedKey() : s.challengePeerKey;
        return new TrustEvent.Granted(level, method, by, pin, at,
                TrustChain.next(previous, "granted", level, method, by, pin, at));
    }

    /** §6.3: granting more than was asked of the peer asks it back (the grant notice). */
    private void notice(State s, TrustLevel level) {
        if (s.summary.asked() == null || s.summary.asked().compareTo(level) < 0) {
            trust.tell(new TrustManager.RequestTrust(peer, level, "", "policy"));
        }
    }

    private ReplyEffect<TrustEvent, State> onDecide(State s, TrustCommand.Decide c) {
        if (s.summary.pending() == null) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(ErrorCode.UNEXPECTED_MESSAGE.code()));
        }
        long at = now();
        if (c.level() == null) {
            TrustEvent rejected = new TrustEvent.Rejected(c.by(), at, TrustChain.next(s.chainHash, "rejected", c.by(), at));
            return Effect().persist(rejected).thenRun(after -> {
                publish(after);
                audit(AuditKinds.TRUST_DECISION, "rejected", s.summary.pending(), s.challengeMethod, c.by());
                trust.tell(new TrustManager.SendRevoke(peer, "policy")); // a rejection is notified by trust_revoke
            }).thenReply(c.replyTo(), after -> record(after, Outcome.REJECTED));
        }
        TrustLevel pending = s.summary.pending();
        boolean allowed = c.level() != TrustLevel.UNTRUSTED && c.level().compareTo(pending) <= 0
                && ("ca".equals(s.challengeMethod) || c.level() == TrustLevel.BASIC); // manual and dns prove basic only
        if (!allowed) {
            return Effect().reply(c.replyTo(), new TrustReply.Refused(ErrorCode.INVALID_FIELD.code()));
        }
        TrustLevel level = c.level();
        return Effect().persist(granted(s.chainHash, level, s.challengeMethod, c.by(), s, at)).thenRun(after -> {
            publish(after);
            audit(AuditKinds.TRUST_DECISION, "granted", level, s.challengeMethod, c.by());
            notice(after, level);
        }).thenReply(c.replyTo(), after -> record(after, Outcome.GRANTED));
    }

    private ReplyEffect<TrustEvent, State> onRevoke(State s, TrustCommand.Revoke c) {
        long at = now();
        TrustEvent revoked = new TrustEvent.Revoked(c.reason(), c.by(), at, TrustChain.next(s.chainHash, "revoked", c.reason(), c.by(), at));
        return Effect().persist(revoked).thenRun(after -> {
            publish(after);
            audit(AuditKinds.TRUST_REVOCATION, "revoked:" + c.reason(), null, null, c.by());
        }).thenReply(c.replyTo(), after -> record(after, Outcome.REVOKED));
    }

    private ReplyEffect<TrustEvent, State> onRevokedByPeer(State s, TrustCommand.RevokedByPeer c) {
        long at = now();
        TrustEvent revoked = new TrustEvent.RevokedByPeer(c.revokeCanon(), at,
                TrustChain.next(s.chainHash, "revoked-by-peer", c.revokeCanon(), at));
        return Effect().persist(revoked).thenRun(after -> {
            publish(after);
            audit(AuditKinds.TRUST_REVOCATION, "revoked-by-peer", null, null, peer);
        }).thenReply(c.replyTo(), after -> record(after, Outcome.REVOKED));
    }

    private ReplyEffect<TrustEvent, State> onLiftDeny(State s, TrustCommand.LiftDeny c) {
        if (!s.summary.deny()) {
            return Effect().reply(c.replyTo(), record(s, Outcome.UNCHANGED));
        }
        long at = now();
        TrustEvent lifted = new TrustEvent.DenyLifted(c.by(), at, TrustChain.next(s.chainHash, "deny-lifted", c.by(), at));
        audit(AuditKinds.TRUST_DECISION, "deny-lifted", null, null, c.by());
        return persist(s, lifted, Outcome.DENY_LIFTED, c.replyTo());
    }

    @Override
    public EventHandler<State, TrustEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onAnyEvent((current, e) -> {
                    State s = current == template ? new State(peer) : current;
                    apply(s, e);
                    s.chainHash = e.chainHash();
                    s.summary = s.summary.chained(Bytes.hex(e.chainHash()));
                    return s;
                });
    }

    private static void apply(State s, TrustEvent e) {
        TrustSummary t = s.summary;
        if (e instanceof TrustEvent.Created c) {
            s.summary = t.created(c.address());
        } else if (e instanceof TrustEvent.Asked a) {
            s.summary = t.askedFor(a.level(), a.address());
        } else if (e instanceof TrustEvent.ChallengeIssued c) {
            s.challengeId = c.challengeId();
            s.challengeData = c.challengeData();
            s.challengeMethod = c.method();
            s.challengeLevel = c.level();
            s.challengeExpiresAt = c.expiresAt();
            s.challengeCanon = c.challengeCanon();
            s.challengePeerKey = c.peerKey();
            s.answered = null;
            s.summary = t.created(t.address());
        } else if (e instanceof TrustEvent.ChallengeAnswered a) {
            s.answered = a.outcome();
            s.summary = t.pendingAt(a.outcome() == Outcome.PENDING ? s.challengeLevel : null);
        } else if (e instanceof TrustEvent.Granted g) {
            s.summary = t.granted(g.level(), g.method(), g.decidedBy(), g.at(), g.pinnedKey());
        } else if (e instanceof TrustEvent.Rejected) {
            s.summary = t.pendingAt(null);
        } else if (e instanceof TrustEvent.Revoked r) {
            s.summary = t.revoked(r.by(), r.at(), true);
            s.challengeId = null;
        } else if (e instanceof TrustEvent.RevokedByPeer r) {
            s.summary = t.revoked("peer", r.at(), t.deny());
            s.challengeId = null;
        } else if (e instanceof TrustEvent.DenyLifted) {
            s.summary = t.denyLifted();
        }
    }
}
