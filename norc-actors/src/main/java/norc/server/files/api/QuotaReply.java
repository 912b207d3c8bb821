package norc.server.files.api;

import norc.server.contract.Contract;

/** A file quota's answer to {@link QuotaCommand.Reserve}. */
public enum QuotaReply implements Contract {
    /** Within the quota (or reserved before): the upload may go on. */
    RESERVED,
    /** Past 1 GiB of padded bytes for the user, or 16 unsealed uploads for the device: {@code 6002}. */
    EXCEEDED
}
