package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.error.NorcException;
import norc.federation.FederationSignatures;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * NORC-T between real servers on loopback that start as strangers (no static peers, admission
 * allowlist): a.localhost asks b.localhost for basic and proves control by dns (a zone file both
 * read), b's policy grants it and b's grant notice makes a grant b the same; then their users chat.
 * c.localhost (no DNS proofs) asks by manual: b answers 202, b's operator compares key ids and
 * approves, and the grant notice completes the mutual grant. Finally b revokes a: a's queued relay
 * fails with 5001, a's users are refused, and a's later hellos too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrustIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    int portA;
    int portB;
    int portC;
    byte[] keyA;
    byte[] keyC;
    TestServer a;
    TestServer b;
    TestServer c;

    @BeforeAll
    void start() throws Exception {
        keyA = FederationIT.identity(dir.resolve("a"));
        FederationIT.identity(dir.resolve("b"));
        keyC = FederationIT.identity(dir.resolve("c"));
        portA = FederationIT.freePort();
        portB = FederationIT.freePort();
        portC = FederationIT.freePort();
        Path zone = dir.resolve("zone.txt");
        a = TestServer.start(dir.resolve("a"), config("a.localhost", portA) + "norc.federation.trust.dns-zone-file = \"" + zone + "\"\n");
        b = TestServer.start(dir.resolve("b"), config("b.localhost", portB) + "norc.federation.trust.dns-zone-file = \"" + zone + "\"\n");
        c = TestServer.start(dir.resolve("c"), config("c.localhost", portC) + "norc.federation.trust.dns-lookups = off\n");
    }

    @AfterAll
    void stop() {
        for (TestServer s : new TestServer[] {a, b, c}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static String config(String self, int port) {
        return "norc.server-id = \"" + self + "\"\n"
                + "norc.federation.interface = \"127.0.0.1\"\n"
                + "norc.federation.port = " + port + "\n"
                + "norc.limits.messages-per-minute = 100000\n"
                + "norc.limits.message-burst = 100000\n";
    }

    @Test
    @Order(1)
    void strangersEstablishBasicTrustByDnsAndPolicyThenTheirUsersChat() throws Exception {
        // b's operator admits a (so a's hello is taken); a's operator asks b for basic (both with the CLI)
        assertThat(cli(b, "admin", "trust", "add", "a.localhost", "--address", "127.0.0.1:" + portA)).contains("a.localhost");
        JsonNode asked = JSON.readTree(cli(a, "admin", "trust", "request", "b.localhost", "--level", "basic",
                "--address", "127.0.0.1:" + portB, "--operator", "ops-a", "--json"));
        assertThat(asked.path("outcome").asText()).as(asked.toString()).isEqualTo("granted");

        JsonNode atB = awaitGrant(b, "a.localhost", "basic");
        assertThat(atB.path("method").asText()).isEqualTo("dns");
        assertThat(atB.path("decided_by").asText()).isEqualTo("policy");
        assertThat(atB.path("key_id").asText()).isEqualTo(FederationSignatures.keyId(keyA)); // pinned at the grant
        JsonNode atA = awaitGrant(a, "b.localhost", "basic"); // b's grant notice, decided by a's policy (≤ asked)
        assertThat(atA.path("decided_by").asText()).isEqualTo("policy");

        RecordingListener bobHears = new RecordingListener();
        RecordingListener aliceHears = new RecordingListener();
        NorcClient alice = a.registerNew("alice-t", WireEncoding.BINARY, aliceHears, null);
        NorcClient bob = b.registerNew("bob-t", WireEncoding.JSON, bobHears, null);
        UUID conversation = UUID.randomUUID();
        var sent = alice.send(conversation, List.of("bob-t@b.localhost"), "trusted".getBytes(StandardCharsets.UTF_8))
                .get(30, TimeUnit.SECONDS);
        ReceivedMessage m = bobHears.messages.poll(30, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(new String(m.content(), StandardCharsets.UTF_8)).isEqualTo("trusted");
        FederationIT.awaitReceipt(aliceHears, sent.messageId(), AckStatus.DELIVERED);
        bob.send(conversation, List.of("alice-t@a.localhost"), "back".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
        assertThat(aliceHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull();
        alice.close();
        bob.close();
    }

    @Test
    @Order(2)
    void aManualRequestWaitsForTheOperatorWhoComparesKeyIds() throws Exception {
        cli(b, "admin", "trust", "add", "c.localhost", "--address", "127.0.0.1:" + portC);
        HttpResponse<String> asked = c.post("/admin/federation/peers/c-nothing/request", "{\"level\":\"basic\"}");
        assertThat(asked.statusCode()).isNotEqualTo(200); // an unknown server cannot be reached
        asked = c.post("/admin/federation/peers/b.localhost/request", "{\"level\":\"basic\",\"address\":\"127.0.0.1:" + portB + "\"}");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
        assertThat(JSON.readTree(asked.body()).path("outcome").asText()).isEqualTo("pending");

        // b's operator, with the CLI: the pending request and the key id to compare out of band, then approve
        String shown = cli(b, "admin", "trust", "show", "c.localhost");
        assertThat(shown).contains("pending basic").contains("key id presented " + FederationSignatures.keyId(keyC));
        JsonNode pending = JSON.readTree(cli(b, "admin", "trust", "show", "c.localhost", "--json"));
        assertThat(pending.path("grant").asText()).isEqualTo("untrusted");
        assertThat(cli(b, "admin", "trust", "approve", "c.localhost", "--level", "basic", "--operator", "ops-b")).contains("granted");
        JsonNode atB = awaitGrant(b, "c.localhost", "basic");
        assertThat(atB.path("decided_by").asText()).isEqualTo("ops-b");
        assertThat(atB.path("method").asText()).isEqualTo("manual");
        awaitGrant(c, "b.localhost", "basic");
    }

    @Test
    @Order(3)
    void aRevokedPeerIsCutOffAndItsQueuedRelaysFail() throws Exception {
        RecordingListener aliceHears = new RecordingListener();
        NorcClient alice = a.registerNew("alice-r", WireEncoding.BINARY, aliceHears, null);
        NorcClient bob = b.registerNew("bob-r", WireEncoding.BINARY, new RecordingListener(), null);
        alice.send(UUID.randomUUID(), List.of("bob-r@b.localhost"), new byte[] {1}).get(30, TimeUnit.SECONDS);

        cli(b, "admin", "trust", "revoke", "a.localhost", "--reason", "compromised");
        JsonNode atB = peer(JSON.readTree(cli(b, "admin", "trust", "list", "--json")), "a.localhost");
        assertThat(atB.path("grant").asText()).isEqualTo("untrusted");
        assertThat(atB.path("deny").asBoolean()).isTrue();
        awaitGrant(a, "b.localhost", "untrusted"); // b's trust_revoke reached a

        // a no longer relays to b: a send is refused at the origin
        assertThatThrownBy(() -> alice.send(UUID.randomUUID(), List.of("bob-r@b.localhost"), new byte[] {2}).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class);
        // and b refuses a's new hellos: a asking again for trust is refused with 5001
        HttpResponse<String> again = a.post("/admin/federation/peers/b.localhost/request", "{\"level\":\"basic\"}");
        assertThat(JSON.readTree(again.body()).path("error_code").asInt()).isEqualTo(5001);
        alice.close();
        bob.close();
    }

    @Test
    @Order(4)
    void anOperatorDeniesAllowsAndRejects() throws Exception {
        // b denies c (granted basic above): c hears trust_revoke, b's record is untrusted and denied
        cli(b, "admin", "trust", "deny", "c.localhost");
        JsonNode denied = JSON.readTree(cli(b, "admin", "trust", "show", "c.localhost", "--json"));
        assertThat(denied.path("grant").asText()).isEqualTo("untrusted");
        assertThat(denied.path("deny").asBoolean()).isTrue();
        awaitGrant(c, "b.localhost", "untrusted");
        // allowed again, c may ask; b's operator rejects the request
        cli(b, "admin", "trust", "allow", "c.localhost");
        assertThat(JSON.readTree(cli(b, "admin", "trust", "show", "c.localhost", "--json")).path("deny").asBoolean()).isFalse();
        JsonNode asked = JSON.readTree(cli(c, "admin", "trust", "request", "b.localhost", "--level", "basic", "--json"));
        assertThat(asked.path("outcome").asText()).as(asked.toString()).isEqualTo("pending");
        assertThat(cli(b, "admin", "trust", "show", "c.localhost")).contains("pending basic");
        cli(b, "admin", "trust", "reject", "c.localhost", "--operator", "ops-b");
        JsonNode rejected = JSON.readTree(cli(b, "admin", "trust", "show", "c.localhost", "--json"));
        assertThat(rejected.path("pending").asText()).isEmpty();
        assertThat(rejected.path("grant").asText()).isEqualTo("untrusted");
    }

    /** The entry for {@code serverId} in {@code trust list --json}'s answer. */
    private static JsonNode peer(JsonNode list, String serverId) {
        for (JsonNode p : list.path("peers")) {
            if (p.path("server_id").asText().equals(serverId)) {
                return p;
            }
        }
        throw new AssertionError(serverId + " not listed: " + list);
    }

    @Test
    @Order(5)
    void everyDecisionAndRevocationIsInTheAuditLogWithoutUserIds() throws Exception {
        List<norc.audit.AuditEntry> atB = audit(b);
        assertThat(atB).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("trust.decision");
            assertThat(e.fields()).containsEntry("peer", "a.localhost").containsEntry("decision", "granted")
                    .containsEntry("method", "dns").containsEntry("by", "policy");
        });
        assertThat(atB).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("trust.decision");
            assertThat(e.fields()).containsEntry("peer", "c.localhost").containsEntry("decision", "granted").containsEntry("by", "ops-b");
        });
        assertThat(atB).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("trust.revocation");
            assertThat(e.fields()).containsEntry("peer", "a.localhost").containsEntry("decision", "revoked:compromised");
        });
        assertThat(audit(a)).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("trust.revocation");
            assertThat(e.fields()).containsEntry("peer", "b.localhost").containsEntry("decision", "revoked-by-peer");
        });
        assertThat(atB).anySatisfy(e -> {
            assertThat(e.kind()).isEqualTo("trust.decision");
            assertThat(e.fields()).containsEntry("peer", "c.localhost").containsEntry("decision", "rejected");
        });
        // the day's root, as the CLI lists it, is the hash of b's last entry
        JsonNode roots = JSON.readTree(cli(b, "admin", "audit", "roots", "--json"));
        assertThat(roots.size()).isPositive();
        for (TestServer server : new TestServer[] {a, b, c}) { // ids of this class's users never in clear in an audit entry
            for (norc.audit.AuditEntry e : audit(server)) {
                assertThat(e.fields().values()).noneMatch(v -> v.contains("alice-") || v.contains("bob-") || v.contains("@"));
            }
        }
    }

    private static List<norc.audit.AuditEntry> audit(TestServer server) throws Exception {
        List<norc.audit.AuditEntry> entries = new java.util.ArrayList<>();
        JsonNode page = JSON.readTree(server.get("/admin/audit/entries?from=1&limit=1000").body());
        for (JsonNode e : page.path("entries")) {
            entries.add(norc.audit.AuditEntry.decode(java.util.Base64.getDecoder().decode(e.path("canonical_entry").asText())));
        }
        return entries;
    }

    /** Runs the {@code norc} CLI against a server's admin API; returns what it printed (fails on a non-zero exit). */
    private static String cli(TestServer server, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine command = norc.client.cli.NorcCli.commandLine();
        command.setOut(new java.io.PrintWriter(out, true));
        command.setErr(new java.io.PrintWriter(err, true));
        String[] full = java.util.Arrays.copyOf(args, args.length + 4);
        full[args.length] = "--admin";
        full[args.length + 1] = "http://127.0.0.1:" + server.server.adminPort();
        full[args.length + 2] = "--admin-token-file";
        full[args.length + 3] = server.server.settings().admin().tokenFile().toString();
        int status = command.execute(full);
        assertThat(status).as(err.toString()).isZero();
        return out.toString();
    }

    /** Polls a server's admin API until its record of {@code peer} has grant {@code level} (30 s). */
    static JsonNode awaitGrant(TestServer server, String peer, String level) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> shown = server.get("/admin/federation/peers/" + peer);
            if (shown.statusCode() == 200) {
                last = JSON.readTree(shown.body());
                if (last.path("grant").asText().equals(level)) {
                    return last;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(server.serverId() + " never granted " + peer + " " + level + "; last " + last);
    }
}
