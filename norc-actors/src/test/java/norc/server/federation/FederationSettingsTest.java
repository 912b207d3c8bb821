package norc.server.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import norc.server.NorcConfig;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.TrustLevel;
import org.junit.jupiter.api.Test;

/** {@code norc.federation}: defaults, static peers in both forms, and a sentence naming the key for each wrong value. */
class FederationSettingsTest {
    private static final String KEY = "8c92aca075112f30a5df839e43abf43fa2f864cb9e94ad4225a650b8de8c0c3b";

    private static FederationSettings parse(String hocon) {
        Config config = NorcConfig.load(ConfigFactory.parseString(hocon));
        return FederationSettings.from(config.getConfig("norc"), "a.example");
    }

    @Test
    void theDefaultsAreTheProfiles() {
        FederationSettings s = parse("");
        assertThat(s.enabled()).isTrue();
        assertThat(s.port()).isEqualTo(8843);
        assertThat(s.admission()).isEqualTo(FederationSettings.Admission.ALLOWLIST);
        assertThat(s.relayTtl().toHours()).isEqualTo(24);
        assertThat(s.maxMessageSize()).isEqualTo(16L * 1024 * 1024);
        assertThat(s.peers()).isEmpty();
        assertThat(s.minimumGrant(Classification.UNCLASSIFIED)).isEqualTo(TrustLevel.BASIC);
        assertThat(s.minimumGrant(Classification.CONFIDENTIAL)).isEqualTo(TrustLevel.VERIFIED);
        assertThat(s.minimumGrant(Classification.TOP_SECRET)).isEqualTo(TrustLevel.CLASSIFIED);
        assertThat(s.minimumGrant(Classification.NATO_RESTRICTED)).isEqualTo(TrustLevel.NATO);
    }

    @Test
    void requireVerificationRaisesEveryMinimumToVerified() {
        FederationSettings s = parse("norc.federation.trust.require-verification = on");
        assertThat(s.minimumGrant(Classification.UNCLASSIFIED)).isEqualTo(TrustLevel.VERIFIED);
        assertThat(s.minimumGrant(Classification.SECRET)).isEqualTo(TrustLevel.CLASSIFIED);
    }

    @Test
    void staticPeersComeFromTheListAndFromHocon() {
        FederationSettings s = parse("norc.federation.peers-list = \"b.example@127.0.0.1:9853/" + KEY + "/verified, c.example/" + KEY + "\"\n"
                + "norc.federation.peers = [{server-id = d.example, public-key = \"" + KEY + "\"}]");
        assertThat(s.peers()).containsOnlyKeys("b.example", "c.example", "d.example");
        assertThat(s.peers().get("b.example").address()).isEqualTo(new FederationSettings.Address("127.0.0.1", 9853));
        assertThat(s.peers().get("b.example").level()).isEqualTo(TrustLevel.VERIFIED);
        assertThat(s.peers().get("c.example").address()).isNull();
        assertThat(s.peers().get("c.example").level()).isEqualTo(TrustLevel.BASIC);
    }

    @Test
    void wrongValuesAreNamed() {
        assertThatThrownBy(() -> parse("norc.federation.peers-list = \"b.example/abcd\""))
                .hasMessageContaining("32-byte Ed25519 identity key");
        assertThatThrownBy(() -> parse("norc.federation.peers-list = \"a.example/" + KEY + "\""))
                .hasMessageContaining("lists this server itself");
        assertThatThrownBy(() -> parse("norc.federation.peers-list = \"b.example/" + KEY + "/untrusted\""))
                .hasMessageContaining("level of b.example");
        assertThatThrownBy(() -> parse("norc.federation.peers-list = \"B_Example/" + KEY + "\""))
                .hasMessageContaining("not a lowercase domain name");
        assertThatThrownBy(() -> parse("norc.federation.relay-ttl = 5m")).hasMessageContaining("relay-ttl");
        assertThatThrownBy(() -> parse("norc.federation.admission = everyone")).hasMessageContaining("admission");
        assertThatThrownBy(() -> parse("norc.federation.trust.country = Germany")).hasMessageContaining("country");
        assertThatThrownBy(() -> parse("norc.federation.trust.anchors = [{certificate = \"/no/such/ca.pem\", levels = [basic]}]"))
                .hasMessageContaining("norc.federation.trust.anchors");
    }
}
