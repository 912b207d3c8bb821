package norc.server.federation.api;

import java.util.List;
import norc.server.contract.Contract;

/** The journal form of a relay ledger: the outcomes not yet expired. */
public record LedgerSnapshot(List<LedgerEvent.OutcomeRecorded> outcomes) implements Contract {}
