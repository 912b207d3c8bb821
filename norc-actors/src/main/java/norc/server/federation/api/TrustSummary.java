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
}
