package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RateScheduleTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void eventsAreDueAtEvenSpacingFromTheStart() {
        RateSchedule schedule = new RateSchedule(4, 10);
        assertThat(schedule.dueBy(-1)).isZero();
        assertThat(schedule.dueBy(0)).isEqualTo(1);
        assertThat(schedule.dueBy(SECOND / 4 - 1)).isEqualTo(1);
        assertThat(schedule.dueBy(SECOND / 4)).isEqualTo(2);
        assertThat(schedule.dueBy(SECOND)).isEqualTo(5);
        assertThat(schedule.dueBy(100 * SECOND)).isEqualTo(10);
    }

    @Test
    void aLateWakeSeesTheWholeBacklog() {
        RateSchedule schedule = new RateSchedule(1000, 5000);
        assertThat(schedule.dueBy(3 * SECOND)).isEqualTo(3001);
    }

    @Test
    void theLastEventIsDueAfterTotalMinusOneGaps() {
        assertThat(new RateSchedule(10, 101).lastDueNanos()).isEqualTo(10 * SECOND);
        assertThat(new RateSchedule(10, 1).lastDueNanos()).isZero();
        assertThat(new RateSchedule(0.5, 3).lastDueNanos()).isEqualTo(4 * SECOND);
    }

    @Test
    void anEndlessScheduleKeepsGoing() {
        RateSchedule churn = new RateSchedule(2.5, -1);
        assertThat(churn.dueBy(1000 * SECOND)).isEqualTo(2501);
        assertThatThrownBy(churn::lastDueNanos).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesRatesThatAreNotPositive() {
        assertThatThrownBy(() -> new RateSchedule(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSchedule(Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateSchedule(Double.POSITIVE_INFINITY, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
