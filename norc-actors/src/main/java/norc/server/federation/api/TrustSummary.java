package norc.server.federation.api;

import norc.server.contract.Contract;
import norc.wire.message.Atoms.TrustLevel;

/**
 * What every node must know of a peer's trust record to enforce it (and what the admin API shows):
 * published on the cluster-wide topic {@link #TOPIC} on every change, so a revocation cuts links
 * on every node at once. {@code pinnedKey} null until the first grant; {@code asked} null when
 * nothing was asked; {@code pending} the level a request awaits an operator for, else null;
 * {@code sequence} orders the changes of one peer.
 */
public record TrustSummary(String serverId, boolean exists, String address, TrustLevel grant, String method, String decidedBy,
                           long decidedAt, TrustLevel asked, boolean deny, byte[] pinnedKey, TrustLevel pending,
                           long sequence, String chainHead) implements Contract {
    public static final String TOPIC = "norc-trust-changes";

    public static TrustSummary none(String serverId) {
        return new TrustSummary(serverId, false, "", TrustLevel.UNTRUSTED, "", "", 0, null, false, null, null, 0, "");
    }

    // ---- the changes a trust journal's events make (each returns the changed copy) ----

    /** The record exists (the peer's hellos are admitted), at {@code newAddress}. */
    public TrustSummary created(String newAddress) {
        return new TrustSummary(serverId, true, newAddress, grant, method, decidedBy, decidedAt, asked, deny, pinnedKey, pending,
                sequence, chainHead);
    }

    public TrustSummary askedFor(TrustLevel level, String newAddress) {
        return new TrustSummary(serverId, true, newAddress, grant, method, decidedBy, decidedAt, level, deny, pinnedKey, pending,
                sequence, chainHead);
    }

    /** A request waits for an operator at {@code level}, or (null) no longer does. */
    public TrustSummary pendingAt(TrustLevel level) {
        return new TrustSummary(serverId, exists, address, grant, method, decidedBy, decidedAt, asked, deny, pinnedKey, level,
                sequence, chainHead);
    }

    /** Granted: nothing pending, no deny; {@code pin} is the pinned key from now on. */
    public TrustSummary granted(TrustLevel level, String how, String by, long at, byte[] pin) {
        return new TrustSummary(serverId, true, address, level, how, by, at, asked, false, pin, null, sequence, chainHead);
    }

    /** Revoked (by this server's operator with {@code denied}, or by the peer): untrusted, nothing asked or pending. */
    public TrustSummary revoked(String by, long at, boolean denied) {
        return new TrustSummary(serverId, exists || denied, address, TrustLevel.UNTRUSTED, method, by, at, null, denied, pinnedKey,
                null, sequence, chainHead);
    }

    public TrustSummary denyLifted() {
        return new TrustSummary(serverId, exists, address, grant, method, decidedBy, decidedAt, asked, false, pinnedKey, pending,
                sequence, chainHead);
    }

    /** After any event: one more in the sequence, and the journal's new chain head (hex). */
    public TrustSummary chained(String head) {
        return new TrustSummary(serverId, exists, address, grant, method, decidedBy, decidedAt, asked, deny, pinnedKey, pending,
                sequence + 1, head);
    }
}
