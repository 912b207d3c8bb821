package norc.load.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import norc.load.engine.Counter;
import norc.load.engine.Metrics;
import norc.load.run.WorkerSink;
import org.junit.jupiter.api.Test;

class ServerCostTest {
    private static final long MIB = 1L << 20;

    /**
     * 4 s of ramp (100 sessions per second at 50% CPU, RSS growing 10 MiB a second), 3 s of hold
     * with 20 reconnects per second at 30% CPU, 2 s of messaging (500 accepted a second at 80%), then
     * the close.
     */
    private static RunResult run() {
        RunAggregator aggregate = new RunAggregator(1);
        Metrics m = new Metrics();
        List<ServerSample> samples = new ArrayList<>();
        int second = 0;
        for (; second < 4; second++) {
            for (int i = 0; i < 100; i++) {
                m.sessionUp();
                m.increment(Counter.SESSIONS_ESTABLISHED);
            }
            aggregate.add(0, m.interval(second));
            samples.add(new ServerSample(second, 50.0, (100 + 10L * (second + 1)) * MIB));
        }
        for (; second < 7; second++) {
            for (int i = 0; i < 20; i++) {
                m.increment(Counter.CHURN_DISCONNECTS);
                m.increment(Counter.SESSIONS_ESTABLISHED);
            }
            aggregate.add(0, m.interval(second));
            samples.add(new ServerSample(second, 30.0, 150 * MIB));
        }
        for (; second < 9; second++) {
            for (int i = 0; i < 500; i++) {
                m.increment(Counter.MESSAGES_SENT);
                m.increment(Counter.MESSAGES_ACCEPTED);
            }
            aggregate.add(0, m.interval(second));
            samples.add(new ServerSample(second, 80.0, 150 * MIB));
        }
        for (int i = 0; i < 400; i++) {
            m.sessionDown();
        }
        aggregate.add(0, m.interval(second));
        samples.add(new ServerSample(second, 5.0, 150 * MIB));
        return new RunResult("storm", Instant.EPOCH, second + 1, 1, List.of("wss://127.0.0.1:1/norc-c"), Map.of(),
                List.of(new WorkerSink.SetupSummary(400, 400, 1, Map.of())), aggregate, samples, 100 * MIB, false, List.of());
    }

    @Test
    void splitsTheRunIntoRampHoldAndMessagingAndDividesTheirCpuByTheirWork() {
        ServerCost cost = ServerCost.of(run()).orElseThrow();
        assertThat(cost.rampSeconds()).isEqualTo(4);
        assertThat(cost.sessionsAtRampEnd()).isEqualTo(400);
        // 4 s × 0.5 CPU-s over 400 set-ups
        assertThat(cost.cpuMsPerSetup()).isCloseTo(5.0, within(1e-9));
        // 3 s × 0.3 CPU-s over 60 reconnects
        assertThat(cost.cpuMsPerChurnReconnect()).isCloseTo(15.0, within(1e-9));
        assertThat(cost.holdCpuPercent()).isCloseTo(30.0, within(1e-9));
        // 2 s × 0.8 CPU-s over 1000 messages
        assertThat(cost.cpuUsPerMessage()).isCloseTo(1600.0, within(1e-9));
        // 100 → 140 MiB for 400 sessions
        assertThat(cost.rssKbPerHeldSession()).isCloseTo(40 * 1024.0 / 400, within(1e-9));
    }

    @Test
    void isEmptyWithoutServerSamplesAndLeavesOutWhatItCannotKnow() {
        RunResult sampled = run();
        RunResult unsampled = new RunResult("storm", Instant.EPOCH, 1, 1, List.of(), Map.of(), List.of(),
                sampled.aggregate(), List.of(), 0, false, List.of());
        assertThat(ServerCost.of(unsampled)).isEmpty();

        RunResult noStart = new RunResult("storm", Instant.EPOCH, 1, 1, List.of(), Map.of(), List.of(),
                sampled.aggregate(), sampled.server(), 0, false, List.of());
        Map<String, Object> map = ServerCost.of(noStart).orElseThrow().asMap();
        assertThat(map).containsKey("cpu_ms_per_session_setup").doesNotContainKey("rss_kb_per_held_session");
    }
}
