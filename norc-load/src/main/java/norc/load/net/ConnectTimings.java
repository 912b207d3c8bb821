package norc.load.net;

/**
 * How long each stage of opening one connection took, in nanoseconds: TCP connect, TLS 1.3
 * handshake (from TCP up to TLS done) and the WebSocket upgrade (from TLS done to the 101 answer).
 */
public record ConnectTimings(long tcpNanos, long tlsNanos, long upgradeNanos) {}
