package norc.load.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SplittableRandom;
import norc.load.engine.Counter;
import norc.load.engine.Interval;
import norc.load.engine.Metric;
import norc.load.engine.Metrics;
import org.junit.jupiter.api.Test;

class WorkerProtocolTest {
    @Test
    void anIntervalSurvivesTheLineProtocolExactly() throws Exception {
        Metrics metrics = new Metrics();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 5_000; i++) {
            metrics.recordMicros(Metric.AUTHENTICATION, 1 + random.nextLong(2_000_000));
        }
        metrics.recordMicros(Metric.END_TO_END, 1234);
        metrics.increment(Counter.SESSIONS_ESTABLISHED);
        metrics.increment(Counter.SESSIONS_ESTABLISHED);
        metrics.error("1001 authentication_failed");
        metrics.sessionUp();
        Interval sent = metrics.interval(3);

        String line = WorkerProtocol.interval(sent);
        assertThat(line).doesNotContain("\n");
        Interval received = WorkerProtocol.readInterval(WorkerProtocol.JSON.readTree(line));

        assertThat(received.second()).isEqualTo(3);
        assertThat(received.sessionsHeld()).isEqualTo(1);
        assertThat(received.counters()).isEqualTo(Map.of(Counter.SESSIONS_ESTABLISHED, 2L));
        assertThat(received.errors()).isEqualTo(Map.of("1001 authentication_failed", 1L));
        assertThat(received.latencies()).containsOnlyKeys(Metric.AUTHENTICATION, Metric.END_TO_END);
        assertThat(received.latencies().get(Metric.AUTHENTICATION)).isEqualTo(sent.latencies().get(Metric.AUTHENTICATION));
        assertThat(received.latencies().get(Metric.END_TO_END).getMaxValue())
                .isEqualTo(sent.latencies().get(Metric.END_TO_END).getMaxValue());
    }

    @Test
    void theNextIntervalHoldsOnlyWhatHappenedSince() {
        Metrics metrics = new Metrics();
        metrics.increment(Counter.MESSAGES_SENT);
        metrics.recordMicros(Metric.ACK, 10);
        metrics.interval(0);
        metrics.increment(Counter.MESSAGES_SENT);
        Interval next = metrics.interval(1);
        assertThat(next.count(Counter.MESSAGES_SENT)).isEqualTo(1);
        assertThat(next.latencies()).isEmpty();
    }

    @Test
    void specAndSetupRoundTrip() throws Exception {
        WorkerSpec spec = Specs.chat(4, 10);
        assertThat(WorkerProtocol.readSpec(WorkerProtocol.spec(spec))).isEqualTo(spec);
        WorkerSink.SetupSummary setup = new WorkerSink.SetupSummary(4, 3, 1.5, Map.of("admin_http_500", 1L));
        assertThat(WorkerProtocol.readSetup(WorkerProtocol.JSON.readTree(WorkerProtocol.ready(setup)).get("setup")))
                .isEqualTo(setup);
    }
}
