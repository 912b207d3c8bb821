package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to an origin server's relay ledger (sharded by the origin's {@code server_id}):
 * the durable replay cache of federation profile §5.2, {@code {origin_server, message_id}} → the
 * first outcome, so a duplicate gets the same answer again.
 */
public interface LedgerCommand extends Contract {

    EntityTypeKey<LedgerCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(LedgerCommand.class, "FederationRelayLedger");

    /**
     * Before committing a relay: answers {@link LedgerReply.Recorded} if an outcome is known,
     * {@link LedgerReply.Proceed} if this caller should commit it; a second caller while the first
     * commits waits for the first's outcome.
     */
    record Begin(UUID messageId, ActorRef<LedgerReply> replyTo) implements LedgerCommand {}

    /**
     * The outcome of a relay ({@code errorCode} 0 = 200), kept until {@code keepUntil} (epoch ms);
     * {@code replyTo} hears {@link LedgerReply.Recorded} once it is journalled.
     */
    record Record(UUID messageId, long errorCode, long keepUntil, ActorRef<LedgerReply> replyTo) implements LedgerCommand {}

    /** The caller that got {@link LedgerReply.Proceed} gave up without an outcome: the next caller may commit. */
    record Abandon(UUID messageId) implements LedgerCommand {}
}
