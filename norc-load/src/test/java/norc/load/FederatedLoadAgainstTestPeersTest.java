package norc.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import norc.load.testpeer.TestNorcPeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chat --federated} through the whole tool against two in-test peers standing in for two
 * federated servers: each has its own domain, admin API and certificate, refuses users of the
 * other's domain, and authenticates only devices registered with it; each hands messages for the
 * other's devices across (counted as forwarded). Worker JVMs carry the federated spec.
 */
class FederatedLoadAgainstTestPeersTest {
    @TempDir
    static Path dir;
    static TestNorcPeer a;
    static TestNorcPeer b;

    @BeforeAll
    static void startPeers() throws Exception {
        a = new TestNorcPeer(dir, "a.test");
        b = new TestNorcPeer(dir, "b.test");
        a.federateWith(b);
        b.federateWith(a);
    }

    @AfterAll
    static void stopPeers() {
        a.close();
        b.close();
    }

    @Test
    void everyMessageOfAFederatedChatCrossesToThePartnersServer() throws Exception {
        int authA = a.authenticationsAt(a.endpoint());
        int authB = b.authenticationsAt(b.endpoint());
        Path out = dir.resolve("federated-chat");
        int status = NorcLoad.execute("chat", "-p", "6", "--rate", "200", "--messages-per-minute", "600",
                "--duration", "2", "--workers", "2", "--federated",
                "--server", a.endpoint().toString(), "--admin", a.adminUrl().toString(),
                "--trust-cert", a.certificatePem().toString(),
                "--server", b.endpoint().toString(), "--admin", b.adminUrl().toString(),
                "--trust-cert", b.certificatePem().toString(),
                "--out", out.toString(), "--progress", "OFF");
        assertThat(status).as("exit status").isZero();
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());

        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(report.path("federated").asBoolean()).isTrue();
        assertThat(report.path("servers")).extracting(s -> s.path("domain").asText()).containsExactly("a.test", "b.test");
        assertThat(report.path("setup").path("provisioned").asInt()).isEqualTo(12);
        JsonNode totals = report.path("totals");
        assertThat(totals.path("sessions_established").asInt()).isEqualTo(12);
        // user i on server i mod 2 and nowhere else
        assertThat(a.authenticationsAt(a.endpoint()) - authA).isEqualTo(6);
        assertThat(b.authenticationsAt(b.endpoint()) - authB).isEqualTo(6);
        long accepted = totals.path("messages_accepted").asLong();
        assertThat(accepted).isPositive();
        assertThat(totals.path("messages_received").asLong()).isEqualTo(accepted);
        assertThat(report.path("queue").path("lost").asLong()).isZero();
        assertThat(report.path("queue").path("delivered").asLong()).isEqualTo(accepted);
        assertThat(report.path("latency_ms").path("end_to_end").path("count").asLong()).isEqualTo(accepted);
        // every message was handed across, none stayed on its sender's server
        assertThat((long) a.forwarded.get() + b.forwarded.get()).isEqualTo(accepted);
        assertThat(a.forwarded.get()).isPositive();
        assertThat(b.forwarded.get()).isPositive();
        assertThat(Files.readString(out.resolve("summary.txt"))).contains("federated: user i on server i mod 2");
    }

    @Test
    void eachServerIsTrustedWithItsOwnCertificateOnly() throws Exception {
        // the certificates swapped: the first server's id cannot be asked
        int status = NorcLoad.execute("chat", "-p", "1", "--federated",
                "--server", a.endpoint().toString(), "--admin", a.adminUrl().toString(),
                "--trust-cert", b.certificatePem().toString(),
                "--server", b.endpoint().toString(), "--admin", b.adminUrl().toString(),
                "--trust-cert", a.certificatePem().toString(),
                "--out", dir.resolve("swapped").toString(), "--progress", "OFF");
        assertThat(status).isEqualTo(1);
    }
}
