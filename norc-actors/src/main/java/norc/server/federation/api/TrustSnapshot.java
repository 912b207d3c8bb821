package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.Atoms.TrustLevel;

/** The journal form of a trust record: the summary, the open challenge (or nulls) and the chain head. */
public record TrustSnapshot(TrustSummary summary, UUID challengeId, byte[] challengeData, String challengeMethod,
                            TrustLevel challengeLevel, long challengeExpiresAt, byte[] challengeCanon, TrustReply.Outcome answered,
                            byte[] chainHash) implements Contract {}
