package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** The answers of a peer's trust journal. */
public sealed interface TrustReply extends Contract {

    /** The record after the command; {@code outcome} says what the command did. */
    record Record(TrustSummary summary, Outcome outcome, ChallengeView challenge) implements TrustReply {}

    /** Refused, with the wire code to answer ({@code 5008}, {@code 5001}, {@code 3009}, …). */
    record Refused(long errorCode) implements TrustReply {}

    enum Outcome { UNCHANGED, CREATED, ASKED, CHALLENGED, GRANTED, PENDING, REJECTED, REVOKED, DENY_LIFTED }

    /** The open challenge, as sent (its canonical bytes), or null. */
    record ChallengeView(UUID challengeId, byte[] challengeData, String method, byte[] challengeCanon, long expiresAt) {}
}
