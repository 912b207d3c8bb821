package norc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The reconnect schedule: ceilings doubling to the cap, full jitter within [0, ceiling], seeded. */
class BackoffTest {
    static final Backoff BACKOFF = Backoff.DEFAULT;

    @Test
    void ceilingsDoubleFromTheBaseUpToTheCap() {
        long[] expectedMillis = {250, 500, 1000, 2000, 4000, 4000, 4000, 4000};
        for (int attempt = 0; attempt < expectedMillis.length; attempt++) {
            assertThat(BACKOFF.ceiling(attempt)).as("attempt %d", attempt).isEqualTo(Duration.ofMillis(expectedMillis[attempt]));
        }
        assertThat(BACKOFF.ceiling(62)).isEqualTo(Duration.ofSeconds(4));
        assertThat(BACKOFF.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(4)); // no overflow
    }

    @Test
    void everyDelayIsWithinZeroAndItsCeilingAndTheJitterSpreadsOverIt() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        for (int attempt = 0; attempt < 10; attempt++) {
            long ceiling = BACKOFF.ceiling(attempt).toNanos();
            long below = 0;
            int draws = 2_000;
            for (int i = 0; i < draws; i++) {
                long delay = BACKOFF.delay(attempt, random).toNanos();
                assertThat(delay).as("seed %d attempt %d", seed, attempt).isBetween(0L, ceiling);
                if (delay < ceiling / 2) {
                    below++;
                }
            }
            // full jitter: uniform, so about half the draws fall in the lower half
            assertThat(below).as("seed %d attempt %d", seed, attempt).isBetween(draws * 4L / 10, draws * 6L / 10);
        }
    }

    @Test
    void theExtremesOfTheRandomSourceGiveZeroAndTheCeiling() {
        RandomGenerator lowest = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return 0;
            }
        };
        RandomGenerator highest = new RandomGenerator() {
            @Override
            public long nextLong() {
                return Long.MAX_VALUE;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
        for (int attempt = 0; attempt < 8; attempt++) {
            assertThat(BACKOFF.delay(attempt, lowest)).isZero();
            assertThat(BACKOFF.delay(attempt, highest)).isEqualTo(BACKOFF.ceiling(attempt));
        }
    }

    @Test
    void aBackoffNeedsAPositiveBaseNotAboveTheCap() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BACKOFF.ceiling(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
