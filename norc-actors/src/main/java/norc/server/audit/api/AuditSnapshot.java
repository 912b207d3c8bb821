package norc.server.audit.api;

import norc.server.contract.Contract;

/** The audit journal's snapshot: the head of the chain only, never entries (see {@link AuditReply.Head}). */
public record AuditSnapshot(long lastSequence, byte[] lastHash, long firstBreak) implements Contract {}
