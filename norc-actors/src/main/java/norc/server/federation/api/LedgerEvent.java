package norc.server.federation.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** A relay ledger's journal (names in {@link norc.server.contract.ContractNames}). */
public sealed interface LedgerEvent extends Contract {

    /** {@code keepUntil} epoch ms; {@code errorCode} 0 = 200. */
    record OutcomeRecorded(UUID messageId, long errorCode, long keepUntil) implements LedgerEvent {}
}
