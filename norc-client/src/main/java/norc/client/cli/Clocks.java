package norc.client.cli;

import java.time.Instant;

/** Wall-clock microseconds, the unit of every NORC timestamp. */
final class Clocks {
    private Clocks() {}

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
