package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.load.net.ConnectFailure;
import org.junit.jupiter.api.Test;

class ErrorLabelsTest {
    @Test
    void labelsByNorcCodeStageOrType() {
        assertThat(ErrorLabels.of(new CompletionException(new NorcException(ErrorCode.RATE_LIMITED, "x"))))
                .isEqualTo("6001 rate_limited");
        assertThat(ErrorLabels.of(new ConnectFailure(ConnectFailure.Stage.TLS, "secret detail", null)))
                .isEqualTo("tls_handshake_failed");
        assertThat(ErrorLabels.of(new TimeoutException())).isEqualTo("timeout");
        assertThat(ErrorLabels.of(new IllegalStateException("message text must not leak")))
                .isEqualTo("other IllegalStateException");
    }
}
