package norc.client;

/**
 * The outcome of a signed {@code time_sync} (spec §6.17): how far the server's clock is ahead of
 * this one, from the midpoint of the round trip, all in µs.
 */
public record TimeSyncResult(long offsetMicros, long roundTripMicros, long serverUncertaintyMicros) {}
