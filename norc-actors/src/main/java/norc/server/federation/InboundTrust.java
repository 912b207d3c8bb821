package norc.server.federation;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.federation.FederationSignatures;
import norc.server.federation.FederationWire.Answer;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustReply;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerInfo;
import norc.wire.message.TrustCapability;
import norc.wire.message.TrustChallenge;
import norc.wire.message.TrustRequest;
import norc.wire.message.TrustResponse;
import norc.wire.message.TrustRevoke;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Answers the NORC-T requests a peer sends on its link (federation profile §6.2, §6.3): its
 * capability, a request for a level (checked, then a challenge for the first method of this
 * server's order that the peer lists), the response to that challenge (signature, then the
 * method's proof: the TXT record for {@code dns}, possession alone for {@code manual}), and a
 * revocation. Decisions and evidence live in the peer's {@link TrustJournal}.
 */
final class InboundTrust {
    private static final long SKEW_MICROS = 60_000_000L;

    private final FederationContext federation;
    private final ClusterSharding sharding;
    private final Duration timeout;

    InboundTrust(FederationContext federation, ClusterSharding sharding, Duration timeout) {
        this.federation = federation;
        this.sharding = sharding;
        this.timeout = timeout;
    }

    CompletionStage<Answer> handle(InboundLinks.Link link, NorcMessage message) {
        if (message instanceof TrustCapability capability) {
            return done(capability(link, capability));
        }
        if (message instanceof TrustRequest request) {
            return request(link, request);
        }
        if (message instanceof TrustResponse response) {
            return response(link, response);
        }
        return revoke(link, (TrustRevoke) message);
    }

    private Answer capability(InboundLinks.Link link, TrustCapability capability) {
        if (!capability.serverId().equals(link.peer())) {
            return Answer.error(ErrorCode.INVALID_ROUTE);
        }
        if (!fresh(capability.timestamp())) {
            return Answer.error(ErrorCode.STALE_TIMESTAMP);
        }
        if (!FederationSignatures.verifyTrustCapability(link.publicKey(), capability)) {
            return Answer.error(ErrorCode.INVALID_SIGNATURE);
        }
        link.peerMethods = List.copyOf(capability.validationMethods());
        return Answer.ok(FederationSignatures.signTrustCapability(federation.own().secretKey(), new TrustCapability(
                federation.own().serverId(), List.of("2.0"), List.of(TrustLevel.BASIC),
                FederationContext.methods(federation), System.currentTimeMillis() * 1000, new byte[64])));
    }

    private CompletionStage<Answer> request(InboundLinks.Link link, TrustRequest request) {
        if (link.peerMethods == null) {
            return done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE)); // trust_capability first, once per link
        }
        if (!request.requestingServer().equals(link.peer()) || !request.requestedServer().equals(federation.own().serverId())) {
            return done(Answer.error(ErrorCode.INVALID_ROUTE));
        }
        if (!fresh(request.timestamp())) {
            return done(Answer.error(ErrorCode.STALE_TIMESTAMP));
        }
        if (!FederationSignatures.verifyTrustRequest(link.publicKey(), request)) {
            return done(Answer.error(ErrorCode.INVALID_SIGNATURE));
        }
        if (request.trustLevel() == TrustLevel.UNTRUSTED) {
            return done(Answer.error(ErrorCode.INVALID_FIELD));
        }
        ServerInfo proof;
        try {
            proof = (ServerInfo) WireEncoding.BINARY.codec(WireLimits.DEFAULT).decodeMessage(request.proofOfControl());
        } catch (NorcException | ClassCastException e) {
            return done(Answer.error(ErrorCode.IDENTITY_MISMATCH));
        }
        if (federation.directory().check(link.peer(), proof) != null || !Arrays.equals(proof.publicKey(), link.publicKey())) {
            return done(Answer.error(ErrorCode.IDENTITY_MISMATCH));
        }
        boolean chainValidates = link.peerMethods.contains(ValidationMethod.CA) && federation.anchors().validates(
                request.certificateChain(), link.peer(), request.trustLevel(), norc.crypto.Bytes.unhex(link.clientFingerprint));
        String method = method(request.trustLevel(), link.peerMethods, federation.txt().canLookUp(), chainValidates);
        if (method == null) {
            return done(Answer.error(ErrorCode.NO_ACCEPTABLE_METHOD));
        }
        return journal(link.peer()).<TrustReply>ask(r -> new TrustCommand.IssueChallenge(request.trustLevel(), method,
                        FederationSignatures.canon(request), link.publicKey(), request.proofOfControl(), r), timeout)
                .thenApply(reply -> {
                    if (reply instanceof TrustReply.Record record && record.challenge() != null) {
                        return Answer.ok(WireEncoding.BINARY.codec(WireLimits.DEFAULT).decodeMessage(record.challenge().challengeCanon()));
                    }
                    return refused(reply);
                })
                .exceptionally(e -> Answer.error(ErrorCode.UNAVAILABLE, 1, null));
    }

    /**
     * The first method of this server's order for the level (profile §6.1, clarification 8) that the
     * peer lists and this server can check: {@code ca} when the chain already validates to an anchor
     * configured for the level; {@code dns} proves basic only (no DNSSEC validation here);
     * {@code manual} proves basic.
     */
    private static String method(TrustLevel level, List<ValidationMethod> listed, boolean dnsLookups, boolean chainValidates) {
        if (chainValidates) {
            return "ca";
        }
        if (level != TrustLevel.BASIC) {
            return null;
        }
        if (dnsLookups && listed.contains(ValidationMethod.DNS)) {
            return "dns";
        }
        return listed.contains(ValidationMethod.MANUAL) ? "manual" : null;
    }

    private CompletionStage<Answer> response(InboundLinks.Link link, TrustResponse response) {
        var journal = journal(link.peer());
        return journal.<TrustReply>ask(TrustCommand.Get::new, timeout).thenCompose(current -> {
            TrustReply.ChallengeView challenge = current instanceof TrustReply.Record record ? record.challenge() : null;
            if (challenge == null || !challenge.challengeId().equals(response.challengeId())) {
                return done(Answer.error(ErrorCode.CHALLENGE_FAILED));
            }
            if (!FederationSignatures.verifyTrustResponse(link.publicKey(), challenge.challengeData(), response)) {
                return done(Answer.error(ErrorCode.INVALID_SIGNATURE));
            }
            boolean passed = switch (challenge.method()) {
                case "dns" -> federation.txt().lookup(FederationSignatures.dnsTxtName(link.peer())).contains(
                        FederationSignatures.dnsTxtValue(challenge.challengeId(), challenge.challengeData(), link.publicKey()));
                case "manual" -> true; // possession is proven by the signature; the operator compares key ids
                case "ca" -> true; // the chain validated when the challenge was issued; possession is the signature
                default -> false;
            };
            return journal.<TrustReply>ask(r -> new TrustCommand.Answer(response.challengeId(), FederationSignatures.canon(response),
                    passed, r), timeout).thenApply(reply -> {
                        if (reply instanceof TrustReply.Record record) {
                            return record.outcome() == TrustReply.Outcome.PENDING ? Answer.PENDING : Answer.OK;
                        }
                        return refused(reply);
                    });
        }).exceptionally(e -> Answer.error(ErrorCode.UNAVAILABLE, 1, null));
    }

    private CompletionStage<Answer> revoke(InboundLinks.Link link, TrustRevoke revoke) {
        if (!revoke.revokingServer().equals(link.peer()) || !revoke.revokedServer().equals(federation.own().serverId())) {
            return done(Answer.error(ErrorCode.INVALID_ROUTE));
        }
        if (revoke.effectiveDate() > System.currentTimeMillis() * 1000 + SKEW_MICROS) {
            return done(Answer.error(ErrorCode.STALE_TIMESTAMP));
        }
        byte[] key = federation.directory().pinnedKey(link.peer()).orElse(link.publicKey()); // clarification 12
        if (!FederationSignatures.verifyTrustRevoke(key, revoke)) {
            return done(Answer.error(ErrorCode.INVALID_SIGNATURE));
        }
        return journal(link.peer()).<TrustReply>ask(r -> new TrustCommand.RevokedByPeer(FederationSignatures.canon(revoke), r), timeout)
                .thenApply(reply -> {
                    Outboxes.tellAll(sharding, link.peer(), new OutboxCommand.FailAll(ErrorCode.FEDERATION_REFUSED.code()));
                    return Answer.OK;
                })
                .exceptionally(e -> Answer.error(ErrorCode.UNAVAILABLE, 1, null));
    }

    private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<TrustCommand> journal(String peer) {
        return sharding.entityRefFor(TrustCommand.ENTITY_TYPE_KEY, peer);
    }

    private static Answer refused(TrustReply reply) {
        if (reply instanceof TrustReply.Refused refused) {
            ErrorCode code = ErrorCode.ofCode(refused.errorCode());
            return Answer.error(code == null ? ErrorCode.INTERNAL : code);
        }
        return Answer.error(ErrorCode.INTERNAL);
    }

    private static boolean fresh(long timestampMicros) {
        return Math.abs(System.currentTimeMillis() * 1000 - timestampMicros) <= SKEW_MICROS;
    }

    private static CompletionStage<Answer> done(Answer answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
