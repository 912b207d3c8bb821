package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.Atoms.TrustLevel;

/**
 * A peer's trust journal (names in {@link norc.server.contract.ContractNames}). Hash-chained like
 * the audit log (spec §6.18): each event carries {@code chainHash = B3(previous chainHash ||
 * canonical form of the event)}, starting from 32 zero bytes, so a record's history cannot be
 * changed without the break showing. Canonical NORC-T messages are kept as evidence.
 */
public sealed interface TrustEvent extends Contract {

    byte[] chainHash();

    record Created(String address, String by, long at, byte[] chainHash) implements TrustEvent {}

    record Asked(TrustLevel level, String address, String by, long at, byte[] chainHash) implements TrustEvent {}

    record ChallengeIssued(UUID challengeId, byte[] challengeData, String method, TrustLevel level, long expiresAt,
                           byte[] requestCanon, byte[] challengeCanon, byte[] peerKey, byte[] serverInfoCanon, long at,
                           byte[] chainHash) implements TrustEvent {}

    /** {@code outcome}: GRANTED (policy), PENDING (operator) or REJECTED (proof failed). */
    record ChallengeAnswered(UUID challengeId, byte[] responseCanon, TrustReply.Outcome outcome, long at, byte[] chainHash)
            implements TrustEvent {}

    /** {@code decidedBy}: "policy" or the operator's name. {@code pinnedKey}: pinned now if nothing was. */
    record Granted(TrustLevel level, String method, String decidedBy, byte[] pinnedKey, long at, byte[] chainHash)
            implements TrustEvent {}

    record Rejected(String by, long at, byte[] chainHash) implements TrustEvent {}

    record Revoked(String reason, String by, long at, byte[] chainHash) implements TrustEvent {}

    record RevokedByPeer(byte[] revokeCanon, long at, byte[] chainHash) implements TrustEvent {}

    record DenyLifted(String by, long at, byte[] chainHash) implements TrustEvent {}
}
