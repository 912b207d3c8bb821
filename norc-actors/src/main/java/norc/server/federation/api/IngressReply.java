package norc.server.federation.api;

import norc.server.contract.Contract;

/** The answers of a peer's ingress allowance. */
public sealed interface IngressReply extends Contract {

    /** This node may admit {@code requests} more requests of {@code bytes} body bytes in all. */
    record Granted(long requests, long bytes) implements IngressReply {}

    /** Not even what was needed is left: the peer should retry after {@code retryAfterSeconds} (≥ 1). */
    record Refused(long retryAfterSeconds) implements IngressReply {}
}
