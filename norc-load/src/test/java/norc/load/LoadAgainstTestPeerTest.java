package norc.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import norc.load.testpeer.TestCertificate;
import norc.load.testpeer.TestNorcPeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole tool (command line, coordinator, workers, Netty transport, SDK, reports) against the
 * in-test NORC peer: real TLS 1.3 WebSockets, real handshakes, Ed25519 signatures checked by the
 * peer, end-to-end encrypted messages relayed by it. Small numbers; assertions on report.json.
 */
class LoadAgainstTestPeerTest {
    @TempDir
    static Path dir;
    static TestNorcPeer peer;

    @BeforeAll
    static void startPeer() throws Exception {
        peer = new TestNorcPeer(dir);
    }

    @AfterAll
    static void stopPeer() {
        peer.close();
    }

    private static JsonNode run(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", peer.endpoint().toString(), "--admin", peer.adminUrl().toString(),
                "--trust-cert", peer.certificatePem().toString(), "--out", out.toString(), "--progress", "OFF"));
        int status = NorcLoad.execute(all.toArray(String[]::new));
        assertThat(status).as("exit status").isZero();
        return new ObjectMapper().readTree(out.resolve("report.json").toFile());
    }

    @Test
    void aStormOfProvisionedDevicesAuthenticatesEverySession() throws Exception {
        int before = peer.authentications.get();
        JsonNode report = run("storm", "storm", "-n", "200", "--rate", "400", "--hold", "1",
                "--source-addresses", "127.0.0.2-127.0.0.3");

        assertThat(report.path("scenario").asText()).isEqualTo("storm");
        assertThat(report.path("setup").path("provisioned").asInt()).isEqualTo(200);
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        JsonNode totals = report.path("totals");
        assertThat(totals.path("sessions_established").asInt()).isEqualTo(200);
        assertThat(totals.path("sessions_failed").asInt()).isZero();
        assertThat(totals.path("peak_sessions_held").asInt()).isEqualTo(200);
        assertThat(report.path("latency_ms").path("authentication").path("count").asInt()).isEqualTo(200);
        assertThat(report.path("latency_ms").path("tls_handshake").path("count").asInt()).isEqualTo(200);
        assertThat(report.path("latency_ms").path("norc_handshake").path("count").asInt()).isEqualTo(200);
        assertThat(report.path("latency_ms").has("registration")).isFalse();
        assertThat(report.path("settings").path("domain").asText()).isEqualTo(TestNorcPeer.SERVER_ID);
        assertThat(peer.authentications.get() - before).isEqualTo(200);
        assertThat(report.path("series").size()).isPositive();
    }

    @Test
    void aRegistrationStormRegistersInTheMeasuredPhase() throws Exception {
        int before = peer.registrations.get();
        JsonNode report = run("register", "storm", "-n", "40", "--rate", "200", "--hold", "0",
                "--registration", "storm", "--json");
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(report.path("latency_ms").path("registration").path("count").asInt()).isEqualTo(40);
        assertThat(report.path("latency_ms").has("authentication")).isFalse();
        assertThat(report.path("settings").path("encoding").asText()).isEqualTo("json");
        assertThat(peer.registrations.get() - before).isEqualTo(40);
    }

    @Test
    void chatDeliversEveryAcceptedMessageEndToEnd() throws Exception {
        JsonNode report = run("chat", "chat", "-p", "5", "--rate", "200", "--messages-per-minute", "600",
                "--duration", "2", "--burst", "3");
        JsonNode totals = report.path("totals");
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(totals.path("sessions_established").asInt()).isEqualTo(10);
        long accepted = totals.path("messages_accepted").asLong();
        assertThat(accepted).isGreaterThanOrEqualTo(10 * 3); // at least every device's burst
        assertThat(totals.path("messages_received").asLong()).isEqualTo(accepted);
        assertThat(totals.path("messages_failed").asLong()).isZero();
        assertThat(report.path("latency_ms").path("end_to_end").path("count").asLong()).isEqualTo(accepted);
        assertThat(report.path("latency_ms").path("ack").path("count").asLong()).isEqualTo(accepted);
    }

    @Test
    void twoWorkerProcessesShareTheRunAndTheirResultsMerge() throws Exception {
        JsonNode report = run("workers", "storm", "-n", "60", "--rate", "300", "--hold", "1", "--workers", "2");
        assertThat(report.path("workers").asInt()).isEqualTo(2);
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(report.path("totals").path("sessions_established").asInt()).isEqualTo(60);
        assertThat(report.path("latency_ms").path("authentication").path("count").asInt()).isEqualTo(60);
        assertThat(report.path("totals").path("peak_sessions_held").asInt()).isEqualTo(60);
    }

    @Test
    void sessionsTakeSeveralEndpointsInTurn() throws Exception {
        int firstBefore = peer.authenticationsAt(peer.endpoint());
        int secondBefore = peer.authenticationsAt(peer.secondEndpoint());
        Path out = dir.resolve("endpoints");
        int status = NorcLoad.execute("storm", "-n", "40", "--rate", "200", "--hold", "0",
                "--server", peer.endpoint().toString(), "--server", peer.secondEndpoint().toString(),
                "--admin", peer.adminUrl().toString(), "--trust-cert", peer.certificatePem().toString(),
                "--out", out.toString(), "--progress", "OFF");
        assertThat(status).isZero();
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(report.path("endpoints")).hasSize(2);
        assertThat(report.path("totals").path("sessions_established").asInt()).isEqualTo(40);
        assertThat(peer.authenticationsAt(peer.endpoint()) - firstBefore).isEqualTo(20);
        assertThat(peer.authenticationsAt(peer.secondEndpoint()) - secondBefore).isEqualTo(20);
    }

    @Test
    void heldSessionsWhoseConnectionsAreCutReconnectToTheNextEndpoint() throws Exception {
        int firstBefore = peer.authenticationsAt(peer.endpoint());
        int secondBefore = peer.authenticationsAt(peer.secondEndpoint());
        Path out = dir.resolve("storm-reconnect");
        int status = NorcLoad.execute("storm", "-n", "20", "--rate", "200", "--hold", "3", "--reconnect",
                "--drop", "5", "--reconnect-base", "20ms", "--reconnect-cap", "200ms",
                "--server", peer.endpoint().toString(), "--server", peer.secondEndpoint().toString(),
                "--admin", peer.adminUrl().toString(), "--trust-cert", peer.certificatePem().toString(),
                "--out", out.toString(), "--progress", "OFF");
        assertThat(status).isZero();
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode reconnect = report.path("reconnect");
        assertThat(report.path("errors").size()).as("errors %s", report.path("errors")).isZero();
        assertThat(reconnect.path("enabled").asBoolean()).isTrue();
        assertThat(reconnect.path("connections_dropped").asLong()).isPositive();
        long reconnects = reconnect.path("reconnects").asLong();
        assertThat(reconnects).as("reconnect %s", reconnect).isPositive();
        assertThat(report.path("totals").path("sessions_lost").asInt()).isZero();
        assertThat(report.has("queue")).isFalse();
        // each session starts on endpoint (i mod 2) and reconnects to the other one
        int first = peer.authenticationsAt(peer.endpoint()) - firstBefore;
        int second = peer.authenticationsAt(peer.secondEndpoint()) - secondBefore;
        assertThat(first + second).isGreaterThanOrEqualTo(20 + (int) reconnects);
        assertThat(first).isGreaterThan(10);
        assertThat(second).isGreaterThan(10);
    }

    @Test
    void aCertificateThatIsNotTrustedFailsEverySessionAtTls() throws Exception {
        Path other = TestCertificate.create("other").writePem(dir.resolve("other.pem"));
        Path out = dir.resolve("untrusted");
        int status = NorcLoad.execute("storm", "-n", "5", "--rate", "100", "--hold", "0", "--registration", "open",
                "--domain", TestNorcPeer.SERVER_ID, "--server", peer.endpoint().toString(), "--trust-cert",
                other.toString(), "--out", out.toString(), "--progress", "OFF");
        assertThat(status).isZero();
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(report.path("totals").path("sessions_failed").asInt()).isEqualTo(5);
        assertThat(report.path("errors").path("tls_handshake_failed").asInt()).isEqualTo(5);
    }
}
