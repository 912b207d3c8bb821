package norc.load.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import norc.load.engine.SourceAddresses;
import org.junit.jupiter.api.Test;

class RunPlanTest {
    @Test
    void slicesAreContiguousAndCoverEveryUserOnce() {
        List<WorkerSpec> slices = RunPlan.slices(Specs.storm(10, 100), 3, SourceAddresses.parse("127.0.0.2-127.0.0.7"));
        assertThat(slices).extracting(WorkerSpec::users).containsExactly(4, 3, 3);
        assertThat(slices).extracting(WorkerSpec::firstUser).containsExactly(0, 4, 7);
        assertThat(slices).extracting(WorkerSpec::workerIndex).containsExactly(0, 1, 2);
        assertThat(slices.stream().mapToDouble(WorkerSpec::connectPerSecond).sum()).isCloseTo(100, within(1e-9));
        assertThat(slices.get(0).connectPerSecond()).isCloseTo(40, within(1e-9));
        assertThat(slices.get(0).sourceAddresses()).containsExactly("127.0.0.2", "127.0.0.5");
        assertThat(slices.get(2).sourceAddresses()).containsExactly("127.0.0.4", "127.0.0.7");
    }

    @Test
    void chatPairsAreNeverSplit() {
        List<WorkerSpec> slices = RunPlan.slices(Specs.chat(14, 70), 3, List.of());
        assertThat(slices).extracting(WorkerSpec::users).containsExactly(6, 4, 4);
        assertThat(slices).allSatisfy(s -> assertThat(s.firstUser() % 2).isZero());
        assertThat(slices).allSatisfy(s -> assertThat(s.sourceAddresses()).isEmpty());
        assertThatThrownBy(() -> RunPlan.slices(Specs.chat(7, 10), 1, List.of()))
                .hasMessageContaining("even");
    }

    @Test
    void refusesMoreWorkersThanSessions() {
        assertThatThrownBy(() -> RunPlan.slices(Specs.storm(2, 10), 3, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void userIdsFollowThePrefixAndDomain() {
        assertThat(Specs.storm(1, 1).userId(42)).isEqualTo("load-abc-42@peer.test");
    }
}
