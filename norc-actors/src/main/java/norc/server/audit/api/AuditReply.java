package norc.server.audit.api;

import norc.server.contract.Contract;

/** What the audit journal answers. */
public sealed interface AuditReply extends Contract {

    /**
     * The last entry's sequence and hash ({@code 0} and the genesis hash when empty), and
     * {@code firstBreak}: the first entry whose link the journal found broken when it recovered, or 0.
     */
    record Head(long sequence, byte[] entryHash, long firstBreak) implements AuditReply {}
}
