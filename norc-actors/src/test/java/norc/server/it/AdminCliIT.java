package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.cli.NorcCli;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code norc admin} against a running server, every operator command the way an operator runs it
 * (the CLI's own parsing, HTTP to the admin port with the token file): help lists them all;
 * devices are listed, disconnected and revoked; sessions counted; the cluster's members and
 * shards shown; exit status 0 on success, 1 when the API refuses, 2 on a usage error; and
 * {@code --json} prints the API's answer for scripts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** What a command printed (stdout and stderr) and its exit status. */
    record Run(int status, String out) {}

    private Run admin(String... args) {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = NorcCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        List<String> all = new ArrayList<>(List.of("admin"));
        all.addAll(List.of(args));
        if (!List.of(args).contains("--help")) {
            all.addAll(List.of("--admin", "http://127.0.0.1:" + server.server.adminPort(),
                    "--admin-token-file", server.server.settings().admin().tokenFile().toString()));
        }
        return new Run(cli.execute(all.toArray(String[]::new)), out.toString());
    }

    @Test
    void helpListsEveryCommand() {
        Run help = admin("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("create-user", "create-token", "users", "devices", "sessions", "cluster", "trust", "audit");
        assertThat(admin("users", "--help").out()).contains("disable", "enable");
        assertThat(admin("devices", "--help").out()).contains("list", "revoke", "disconnect");
        assertThat(admin("cluster", "--help").out()).contains("members", "shards", "leave", "down");
    }

    @Test
    void devicesAreListedDisconnectedAndRevoked() throws Exception {
        DeviceIdentity[] phone = new DeviceIdentity[1];
        RecordingListener phoneHears = new RecordingListener();
        NorcClient phoneClient = server.registerNew("cli-alice", WireEncoding.BINARY, phoneHears, phone);
        String alice = "cli-alice@" + server.serverId();
        String device = phone[0].deviceId().toString();

        Run list = admin("devices", "list", "--user", alice);
        assertThat(list.status()).isZero();
        assertThat(list.out()).contains(device).doesNotContain("revoked");
        JsonNode listed = JSON.readTree(admin("devices", "list", "--user", alice, "--json").out());
        assertThat(listed.path("devices").get(0).path("device_id").asText()).isEqualTo(device);
        assertThat(listed.path("devices").get(0).path("revoked_at").isNull()).isTrue();

        Run sessions = admin("sessions");
        assertThat(sessions.status()).isZero();
        assertThat(sessions.out()).matches("(?s)\\d+ connections, [1-9]\\d* authenticated\\s*");

        Run disconnect = admin("devices", "disconnect", "--device", device);
        assertThat(disconnect.out()).startsWith("disconnected " + device);
        phoneHears.closed.get(10, TimeUnit.SECONDS);
        assertThat(admin("devices", "disconnect", "--device", device, "--json").out()).contains("\"had_session\":false");

        Run revoke = admin("devices", "revoke", "--user", alice, "--device", device);
        assertThat(revoke.status()).isZero();
        assertThat(revoke.out()).startsWith("revoked " + device);
        assertThat(admin("devices", "list", "--user", alice).out()).contains("revoked");
        NorcClient again = server.connect(WireEncoding.BINARY, new RecordingListener());
        assertThatThrownBy(() -> again.authenticate(phone[0]).get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(norc.error.NorcException.class)
                .satisfies(e -> assertThat(((norc.error.NorcException) e.getCause()).code().code()).isEqualTo(1003));
        phoneClient.close();

        Run twice = admin("devices", "revoke", "--user", alice, "--device", device);
        assertThat(twice.status()).isEqualTo(1);
        assertThat(twice.out()).contains("409");
        Run nobody = admin("devices", "list", "--user", "cli-nobody@" + server.serverId());
        assertThat(nobody.status()).isEqualTo(1);
        assertThat(nobody.out()).contains("not found");
        assertThat(admin("devices", "list").status()).as("--user missing").isEqualTo(2);
        assertThat(admin("devices", "revoke", "--user", alice, "--device", "not-a-uuid").status()).isEqualTo(2);
    }

    /**
     * A disabled user's live session closes and it looks like no user at all: its device cannot
     * authenticate (1001, as for a stranger), nobody can write to it; enabled again, all is back.
     */
    @Test
    void aDisabledUserIsClosedOutUntilEnabled() throws Exception {
        DeviceIdentity[] phone = new DeviceIdentity[1];
        RecordingListener phoneHears = new RecordingListener();
        NorcClient carolPhone = server.registerNew("cli-carol", WireEncoding.BINARY, phoneHears, phone);
        NorcClient dave = server.registerNew("cli-dave", WireEncoding.BINARY, new RecordingListener(), null);
        String carol = "cli-carol@" + server.serverId();

        Run disable = admin("users", "disable", "--user", carol);
        assertThat(disable.status()).isZero();
        assertThat(disable.out()).startsWith(carol + " disabled");
        phoneHears.closed.get(10, TimeUnit.SECONDS);
        assertThat(admin("devices", "list", "--user", carol).out()).startsWith("user " + carol + " is disabled");
        NorcClient again = server.connect(WireEncoding.BINARY, new RecordingListener());
        assertThatThrownBy(() -> again.authenticate(phone[0]).get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(norc.error.NorcException.class)
                .satisfies(e -> assertThat(((norc.error.NorcException) e.getCause()).code().code()).isEqualTo(1001));
        assertThat(dave.fetchKeys(List.of(carol)).get(10, TimeUnit.SECONDS).get(carol)).as("no keys for a disabled user").isEmpty();

        assertThat(admin("users", "enable", "--user", carol, "--json").out()).contains("\"disabled\":false");
        RecordingListener back = new RecordingListener();
        NorcClient phoneAgain = server.connect(WireEncoding.BINARY, back);
        phoneAgain.authenticate(phone[0]).get(20, TimeUnit.SECONDS);
        assertThat(dave.fetchKeys(List.of(carol)).get(10, TimeUnit.SECONDS).get(carol)).as("keys again").isNotEmpty();
        dave.send(java.util.UUID.randomUUID(), List.of(carol), "welcome back".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .get(20, TimeUnit.SECONDS);
        assertThat(back.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
        assertThat(admin("users", "disable", "--user", "cli-nobody@" + server.serverId()).status()).isEqualTo(1);
        phoneAgain.close();
        carolPhone.close();
        dave.close();
    }

    @Test
    void theClusterIsShown() throws Exception {
        server.registerNew("cli-bob", WireEncoding.JSON, new RecordingListener(), null).close();
        Run members = admin("cluster", "members");
        assertThat(members.status()).isZero();
        assertThat(members.out()).contains("pekko://norc@", "  up  reachable  (this node)  (leader)");
        JsonNode json = JSON.readTree(admin("cluster", "members", "--json").out());
        assertThat(json.path("members")).hasSize(1);
        assertThat(json.path("members").get(0).path("status").asText()).isEqualTo("up");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Run shards = admin("cluster", "shards");
            assertThat(shards.status()).isZero();
            assertThat(shards.out()).containsPattern("User  pekko://norc@\\S+  [1-9]\\d* shards  [1-9]\\d* entities")
                    .containsPattern("DeviceSession  pekko://norc@\\S+  [1-9]\\d* shards  [1-9]\\d* entities");
        });
        Run stranger = admin("cluster", "down", "--address", "pekko://norc@10.9.9.9:25520");
        assertThat(stranger.status()).isEqualTo(1);
        assertThat(stranger.out()).contains("not found");
        assertThat(admin("cluster", "leave", "--address", "not an address").status()).isEqualTo(1);
    }
}
