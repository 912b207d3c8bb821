package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FileLimitTest {
    @Test
    void readsTheSoftLimitFromProcLimits() {
        List<String> limits = List.of(
                "Limit                     Soft Limit           Hard Limit           Units",
                "Max processes             unlimited            unlimited            processes",
                "Max open files            20000                20000                files");
        assertThat(FileLimit.parse(limits)).hasValue(20_000);
        assertThat(FileLimit.parse(List.of("Max open files            unlimited   unlimited   files")))
                .hasValue(Long.MAX_VALUE);
        assertThat(FileLimit.parse(List.of("nothing here"))).isEmpty();
    }

    @Test
    void thisProcessHasAReadableLimit() {
        assertThat(FileLimit.current()).isPresent();
    }

    @Test
    void oneProcessHoldsJustUnderTheLimit() {
        assertThat(FileLimit.sessionsAllowed(20_000)).isEqualTo(20_000 - FileLimit.RESERVE);
        assertThat(FileLimit.workersNeeded(19_000, 20_000)).isEqualTo(1);
        assertThat(FileLimit.workersNeeded(19_701, 20_000)).isEqualTo(2);
        assertThat(FileLimit.workersNeeded(100_000, 20_000)).isEqualTo(6);
    }

    @Test
    void tooManySessionsFailWithAdvice() {
        FileLimit.check(19_700, 20_000, 1);
        assertThatThrownBy(() -> FileLimit.check(30_000, 20_000, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at most 20000 open files")
                .hasMessageContaining("30000 sessions")
                .hasMessageContaining("--workers 2");
    }
}
