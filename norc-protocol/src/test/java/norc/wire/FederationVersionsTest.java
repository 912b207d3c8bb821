package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import org.junit.jupiter.api.Test;

/** NORC-F and NORC-T negotiate independently with the NORC-C rule (profile §1, §7). */
class FederationVersionsTest {
    static final List<ProtocolVersion> F = List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2));
    static final List<ProtocolVersion> T = List.of(new ProtocolVersion(1, 1), new ProtocolVersion(1, 0));

    @Test
    void eachLayerGetsItsOwnHighestMutualVersion() {
        FederationHelloResponse.NegotiatedVersions v = VersionNegotiation.negotiateFederation(
                new FederationHello.ProtocolVersions(List.of("1.0", "1.2", "2.0"), List.of("1.0", "1.1")), F, T);
        assertThat(v).isEqualTo(new FederationHelloResponse.NegotiatedVersions("2.0", "1.1"));
    }

    @Test
    void eitherLayerWithoutAMutualVersionFails() {
        assertThatThrownBy(() -> VersionNegotiation.negotiateFederation(
                new FederationHello.ProtocolVersions(List.of("2.0"), List.of("3.0")), F, T))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_COMPATIBLE_VERSION));
    }
}
