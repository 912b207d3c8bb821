package norc.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What callers can put in an audit event, and what its {@code toString} shows. */
class AuditEventTest {

    @Test
    void idsGoToThePseudonymisedSideAndNeverIntoToString() {
        UUID device = UUID.randomUUID();
        AuditEvent event = AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("code", "1001")
                .user("mallory@localhost").device(device);
        assertThat(event.clear()).isEqualTo(Map.of("code", "1001"));
        assertThat(event.pseudonymised()).isEqualTo(Map.of("user", "mallory@localhost", "device", device.toString()));
        assertThat(event.toString()).contains("authentication.failed", "1001", "user", "device")
                .doesNotContain("mallory", device.toString());
    }

    @Test
    void clearValuesCannotTakeAPseudonymisedKeyAndAreBounded() {
        assertThatThrownBy(() -> AuditEvent.of("admin.action").with("user", "alice@localhost"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditEvent.of("Admin Action")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AuditEvent.of("a").with("reason", "x".repeat(1000)).clear().get("reason")).hasSize(AuditEvent.MAX_CLEAR_VALUE);
        assertThat(AuditEvent.of("a").with("reason", null).clear().get("reason")).isEmpty();
        assertThat(AuditEvent.of("a").with("reason", "bad \uD800 half").clear().get("reason")).isEqualTo("bad \uFFFD half");
    }
}
