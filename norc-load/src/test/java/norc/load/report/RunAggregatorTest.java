package norc.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import norc.load.engine.Counter;
import norc.load.engine.Interval;
import norc.load.engine.Metric;
import norc.load.engine.Metrics;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class RunAggregatorTest {
    @Test
    void mergesWorkersExactlyAndCarriesSessionsHeld() {
        SplittableRandom random = new SplittableRandom(11);
        Metrics a = new Metrics();
        Metrics b = new Metrics();
        Histogram all = RunAggregator.newHistogram();
        for (int i = 0; i < 1000; i++) {
            long v = 1 + random.nextLong(500_000);
            (i % 3 == 0 ? a : b).recordMicros(Metric.AUTHENTICATION, v);
            all.recordValue(v);
        }
        for (int i = 0; i < 5; i++) {
            a.sessionUp();
            a.increment(Counter.SESSIONS_ESTABLISHED);
        }
        b.sessionUp();
        b.increment(Counter.SESSIONS_ESTABLISHED);
        b.error("tls_handshake_failed");

        RunAggregator aggregate = new RunAggregator(2);
        assertThat(aggregate.add(0, a.interval(0))).isNull(); // worker 1 has not reported second 0
        RunAggregator.Second first = aggregate.add(1, b.interval(0));
        assertThat(first).isNotNull();
        assertThat(first.held()).isEqualTo(6);
        assertThat(first.count(Counter.SESSIONS_ESTABLISHED)).isEqualTo(6);

        // worker 0 reports second 1 before worker 1: worker 1 still counts with its last value
        a.sessionDown();
        aggregate.add(0, a.interval(1));
        assertThat(aggregate.seconds().get(1).held()).isEqualTo(4 + 1);

        assertThat(aggregate.totals().get(Metric.AUTHENTICATION)).isEqualTo(all);
        assertThat(aggregate.total(Counter.SESSIONS_ESTABLISHED)).isEqualTo(6);
        assertThat(aggregate.errorTotals()).isEqualTo(Map.of("tls_handshake_failed", 1L));
    }

    @Test
    void anEmptyIntervalStillCompletesItsSecond() {
        RunAggregator aggregate = new RunAggregator(1);
        Interval empty = new Metrics().interval(0);
        assertThat(aggregate.add(0, empty)).isNotNull();
        assertThat(aggregate.counterTotals()).isEmpty();
    }
}
