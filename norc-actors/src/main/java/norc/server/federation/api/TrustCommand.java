package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.Atoms.TrustLevel;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to a peer's trust journal (sharded by the peer's {@code server_id},
 * event-sourced; federation profile §6): this server's trust record for that peer, every NORC-T
 * exchange with it in canonical bytes, and each decision with who made it. Every command answers
 * with the record as it stands after it ({@link TrustReply.Record}) or a refusal.
 */
public interface TrustCommand extends Contract {

    EntityTypeKey<TrustCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(TrustCommand.class, "TrustJournal");

    record Get(ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /** Creates the record (admits the peer's hellos under {@code allowlist}); {@code address} host:port or empty. */
    record Add(String address, String by, ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /** This server is about to ask the peer for {@code level} (its {@code asked}). */
    record Ask(TrustLevel level, String address, String by, ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /**
     * The peer asked for {@code level} with a checked request ({@code requestCanon}); issue (or repeat)
     * a challenge for {@code method}, signed by this server. {@code peerKey}: the link key;
     * {@code serverInfoCanon}: the peer's {@code proof_of_control}.
     */
    record IssueChallenge(TrustLevel level, String method, byte[] requestCanon, byte[] peerKey, byte[] serverInfoCanon,
                          ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /**
     * The peer answered challenge {@code challengeId} ({@code responseCanon}, its signature already
     * verified); {@code proofPassed}: the method's proof (DNS record, certificate chain) held.
     */
    record Answer(UUID challengeId, byte[] responseCanon, boolean proofPassed, ActorRef<TrustReply> replyTo)
            implements TrustCommand {}

    /** An operator grants {@code level} to a pending request (or, with {@code level} null, rejects it). */
    record Decide(TrustLevel level, String by, ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /** An operator revokes the peer: untrusted and denied at once. */
    record Revoke(String reason, String by, ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /** The peer revoked this server ({@code revokeCanon}, signature and names already checked). */
    record RevokedByPeer(byte[] revokeCanon, ActorRef<TrustReply> replyTo) implements TrustCommand {}

    /** An operator lifts {@code deny} (a new NORC-T run may follow). */
    record LiftDeny(String by, ActorRef<TrustReply> replyTo) implements TrustCommand {}
}
