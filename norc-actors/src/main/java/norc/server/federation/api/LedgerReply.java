package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** The answers of a relay ledger. */
public sealed interface LedgerReply extends Contract {

    /** No outcome known: commit the relay, then {@link LedgerCommand.Record} it. */
    record Proceed(UUID messageId) implements LedgerReply {}

    /** The recorded outcome ({@code errorCode} 0 = 200). */
    record Recorded(UUID messageId, long errorCode) implements LedgerReply {}
}
