package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** The answers of a peer's outbox. */
public interface OutboxReply extends Contract {

    /** The relay is journalled (or was already). */
    record Queued(UUID messageId) implements OutboxReply {}
}
