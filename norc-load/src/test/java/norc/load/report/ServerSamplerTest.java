package norc.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSamplerTest {
    @Test
    void readsCpuTicksAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (norc) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 40 0 123 0 0";
        assertThat(ServerSampler.cpuSecondsFromStat(stat)).isEqualTo(3.0); // (250 + 50) / 100
    }

    @Test
    void readsResidentMemoryInBytes() {
        assertThat(ServerSampler.rssBytesFromStatus("Name:\tjava\nVmPeak:\t 99 kB\nVmRSS:\t  2048 kB\n"))
                .isEqualTo(2048L * 1024);
    }

    @Test
    void readsPrometheusSamples() {
        String text = "# HELP process_cpu_seconds_total CPU\n# TYPE process_cpu_seconds_total counter\n"
                + "process_cpu_seconds_total 12.5\nprocess_resident_memory_bytes 1.048576E8 1700000000000\n";
        assertThat(ServerSampler.prometheusValue(text, "process_cpu_seconds_total")).hasValue(12.5);
        assertThat(ServerSampler.prometheusValue(text, "process_resident_memory_bytes")).hasValue(1.048576E8);
        assertThat(ServerSampler.prometheusValue(text, "missing")).isEmpty();
    }

    @Test
    void samplesARealProcessFromTheSecondReadOn() {
        ServerSampler sampler = ServerSampler.ofPid(ProcessHandle.current().pid());
        assertThat(sampler.sample(0)).isNull(); // no CPU rate from one reading
        ServerSample sample = sampler.sample(1);
        assertThat(sample).isNotNull();
        assertThat(sample.second()).isEqualTo(1);
        assertThat(sample.cpuPercent()).isGreaterThanOrEqualTo(0);
        assertThat(sample.rssBytes()).isPositive();
    }

    /** A source that answers these readings in turn ({@code null}: unreadable). */
    private static ServerSampler readings(double[]... values) {
        return new ServerSampler() {
            int next;

            @Override
            protected double[] read() {
                return values[next++];
            }
        };
    }

    @Test
    void severalProcessesAddUpTheirCpuAndMemoryAndAGapInOneIsAGapInAll() throws Exception {
        ServerSampler both = ServerSampler.sum(List.of(
                readings(new double[] {1.0, 100}, new double[] {3.0, 150}, null),
                readings(new double[] {0.5, 10}, new double[] {2.5, 20}, new double[] {4.0, 30})));
        assertThat(both.read()).containsExactly(1.5, 110);
        assertThat(both.read()).containsExactly(5.5, 170);
        assertThat(both.read()).isNull();
        ServerSampler one = ServerSampler.ofPid(1);
        assertThat(ServerSampler.sum(List.of(one))).isSameAs(one);
    }
}
