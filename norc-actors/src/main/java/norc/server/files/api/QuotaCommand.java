package norc.server.files.api;

import java.util.UUID;
import norc.server.contract.Contract;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What a user's file quota is asked (groups profile B.3, {@code 6002}), sharded by the pseudonym
 * of the user id: one place per user that every node's file entities reserve against, so the
 * limits hold cluster-wide. Times in epoch milliseconds.
 */
public sealed interface QuotaCommand extends Contract {
    EntityTypeKey<QuotaCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(QuotaCommand.class, "FileQuota");

    /** A new upload of {@code paddedBytes} by {@code device}, counted until {@code expiresAt} unless sealed. */
    record Reserve(UUID fileId, UUID device, long paddedBytes, long expiresAt, ActorRef<QuotaReply> replyTo)
            implements QuotaCommand {}

    /** The upload was sealed: no longer unsealed, counted until {@code expiresAt} (the file's end). */
    record Sealed(UUID fileId, long expiresAt) implements QuotaCommand {}

    /** The upload or file is gone (expired): it counts no more. */
    record Released(UUID fileId) implements QuotaCommand {}
}
