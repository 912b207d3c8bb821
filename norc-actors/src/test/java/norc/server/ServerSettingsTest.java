package norc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import norc.crypto.CipherSuite;
import norc.wire.ProtocolVersion;
import org.junit.jupiter.api.Test;

/** Defaults match the spec; wrong values stop start-up with a sentence that names the key. */
class ServerSettingsTest {
    static ServerSettings parse(String overrides) {
        Config config = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
        return ServerSettings.from(config);
    }

    @Test
    void defaultsFollowTheSpec() {
        ServerSettings s = parse("");
        assertThat(s.clientPort()).isEqualTo(8443);
        assertThat(s.preAuthTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.pingInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.maxPayload()).isEqualTo(4 * 1024 * 1024);
        assertThat(s.replayWindow()).isEqualTo(1024);
        assertThat(s.maxFailedFrames()).isEqualTo(8);
        assertThat(s.versions()).first().isEqualTo(new ProtocolVersion(2, 0));
        assertThat(s.suites()).containsExactly(CipherSuite.S0101, CipherSuite.S0001);
        assertThat(s.plainWebSocket()).isFalse();
    }

    /** Groups profile A.1: members × devices per user bounds the keys maps (16384), checked at start-up. */
    @Test
    void groupsAndDeviceLimitsMustFitTheKeysMaps() {
        ServerSettings s = parse("");
        assertThat(s.groups().maxMembers()).isEqualTo(1000);
        assertThat(s.deviceKeys().maxPerUser()).isEqualTo(8);
        assertThat(parse("norc.groups.max-members = 2048\nnorc.device-keys.max-per-user = 8").groups().maxMembers()).isEqualTo(2048);
        assertThatThrownBy(() -> parse("norc.groups.max-members = 2049\nnorc.device-keys.max-per-user = 8"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16384");
    }

    @Test
    void plainWebSocketOnlyOnLoopback() {
        assertThat(parse("norc.client { plain-websocket = on, interface = \"127.0.0.1\" }").plainWebSocket()).isTrue();
        assertThatThrownBy(() -> parse("norc.client { plain-websocket = on, interface = \"0.0.0.0\" }"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("norc.client.plain-websocket");
    }

    @Test
    void theAdminApiBindsToLoopbackOnlyWithItsTokenInTheDataDirectory() {
        assertThat(parse("").admin().tokenFile().toString()).endsWith(java.nio.file.Path.of("data", "admin", "token").toString());
        assertThat(parse("norc.admin.token-file = \"/etc/norc/admin-token\"").admin().tokenFile())
                .isEqualTo(java.nio.file.Path.of("/etc/norc/admin-token"));
        assertThatThrownBy(() -> parse("norc.admin.interface = \"0.0.0.0\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("norc.admin.interface");
    }

    @Test
    void versionsMustRespectAmc() {
        assertThatThrownBy(() -> parse("norc.protocol.versions = [\"3.0\", \"1.0\"]"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adjacent majors");
    }

    @Test
    void unknownSuitesAndBadValuesAreNamed() {
        assertThatThrownBy(() -> parse("norc.protocol.suites = [\"0002\"]")).hasMessageContaining("norc.protocol.suites");
        assertThatThrownBy(() -> parse("norc.client.replay-window = 512")).hasMessageContaining("norc.client.replay-window");
        assertThatThrownBy(() -> parse("norc.client.port = 70000")).hasMessageContaining("norc.client.port");
        assertThatThrownBy(() -> parse("norc.server-id = \"Not A Domain\"")).hasMessageContaining("NORC_SERVER_ID");
        assertThatThrownBy(() -> parse("norc.client.pre-auth-timeout = 0s")).hasMessageContaining("pre-auth-timeout");
        assertThatThrownBy(() -> parse("norc.client.idle-timeout = soon")).hasMessageContaining("configuration error");
    }
}
