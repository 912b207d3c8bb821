package norc.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.e2e.ConversationChain;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.RevocationReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Argument parsing of every subcommand, and the parts of the CLI that need no network. */
class NorcCliTest {
    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    CommandLine cli() {
        CommandLine commandLine = NorcCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine;
    }

    @SuppressWarnings("unchecked")
    <T> T parse(String... args) {
        CommandLine.ParseResult result = cli().parseArgs(args);
        while (result.subcommand() != null) {
            result = result.subcommand();
        }
        return (T) result.commandSpec().userObject();
    }

    // ---- identity ---------------------------------------------------------------------------------

    @Test
    void identityCreateWritesAnOwnerOnlyFileAndRefusesToOverwrite() throws IOException {
        Path file = dir.resolve("alice.json");
        int status = cli().execute("identity", "create", "--user", "alice@example", "--out", file.toString());
        assertThat(status).isZero();
        DeviceIdentity identity = DeviceIdentity.load(file);
        assertThat(identity.userId()).isEqualTo("alice@example");
        assertThat(out.toString()).contains(identity.deviceId().toString()).doesNotContain("secret");
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }

        int again = cli().execute("identity", "create", "--user", "alice@example", "--out", file.toString());
        assertThat(again).isEqualTo(1);
        assertThat(err.toString()).contains("exists");
        assertThat(DeviceIdentity.load(file).deviceId()).isEqualTo(identity.deviceId());
        assertThat(cli().execute("identity", "create", "--user", "alice@example", "--out", file.toString(), "--force"))
                .isZero();
        assertThat(DeviceIdentity.load(file).deviceId()).isNotEqualTo(identity.deviceId());
    }

    @Test
    void identityCreateParsesItsOptions() {
        IdentityCommand.Create create = parse("identity", "create", "--user", "bob@example", "--out", "bob.json",
                "--device-name", "phone");
        assertThat(create.user).isEqualTo("bob@example");
        assertThat(create.out).isEqualTo(Path.of("bob.json"));
        assertThat(create.deviceName).isEqualTo("phone");
        assertThat(((IdentityCommand.Create) parse("identity", "create", "--user", "b@e", "--out", "b.json")).deviceName)
                .isEqualTo("norc-cli");
    }

    // ---- device commands ------------------------------------------------------------------------

    @Test
    void registerParsesServerTrustAndEncoding() {
        RegisterCommand register = parse("register", "--identity", "alice.json", "--token", "T0K3N",
                "--server", "wss://chat.example:8443/norc-c", "--trust-cert", "cert.pem", "--json", "--timeout", "5");
        assertThat(register.identity).isEqualTo(Path.of("alice.json"));
        assertThat(register.token).isEqualTo("T0K3N");
        assertThat(register.server.server).isEqualTo(URI.create("wss://chat.example:8443/norc-c"));
        assertThat(register.server.trust.certificate).isEqualTo(Path.of("cert.pem"));
        assertThat(register.server.encoding()).isEqualTo(WireEncoding.JSON);
        assertThat(register.server.timeout()).isEqualTo(Duration.ofSeconds(5));

        RegisterCommand defaults = parse("register", "--identity", "a.json", "--token", "t");
        assertThat(defaults.server.server).isEqualTo(URI.create("wss://localhost:8443/norc-c"));
        assertThat(defaults.server.encoding()).isEqualTo(WireEncoding.BINARY);
        assertThat(defaults.server.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void trustingACertificateAndTrustingAnythingExcludeEachOther() {
        assertThatThrownBy(() -> cli().parseArgs("register", "--identity", "a.json", "--token", "t",
                "--trust-cert", "c.pem", "--insecure-loopback"))
                .isInstanceOf(CommandLine.MutuallyExclusiveArgsException.class);
        assertThatThrownBy(() -> cli().parseArgs("register", "--identity", "a.json"))
                .isInstanceOf(CommandLine.MissingParameterException.class);
        assertThat(cli().execute("register", "--identity", "a.json")).isEqualTo(2);
    }

    @Test
    void insecureModeIsRefusedForARemoteServerBeforeConnecting() throws IOException {
        Path file = dir.resolve("alice.json");
        DeviceIdentity.create("alice@example", "x", new java.security.SecureRandom()).save(file);
        int status = cli().execute("register", "--identity", file.toString(), "--token", "t",
                "--server", "wss://192.0.2.7:8443/norc-c", "--insecure-loopback");
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("only for a loopback host");
    }

    @Test
    void sendParsesRecipientsConversationAndText() {
        UUID conversation = UUID.randomUUID();
        SendCommand send = parse("send", "--identity", "a.json", "--to", "bob@example", "--to", "carol@example",
                "--conversation", conversation.toString(), "hello there");
        assertThat(send.to).containsExactly("bob@example", "carol@example");
        assertThat(send.conversation).isEqualTo(conversation);
        assertThat(send.text).isEqualTo("hello there");
        assertThat(((SendCommand) parse("send", "--identity", "a.json", "--to", "bob@example", "hi")).conversation).isNull();
        assertThatThrownBy(() -> cli().parseArgs("send", "--identity", "a.json", "--to", "bob@example"))
                .isInstanceOf(CommandLine.MissingParameterException.class);
    }

    @Test
    void theDefaultConversationIsTheSameForBothSides() {
        assertThat(SendCommand.defaultConversation("alice@example", List.of("bob@example")))
                .isEqualTo(SendCommand.defaultConversation("bob@example", List.of("alice@example")));
    }

    @Test
    void aMissingIdentityFileIsReportedWithoutNetwork() {
        int status = cli().execute("send", "--identity", dir.resolve("none.json").toString(), "--to", "bob@example", "x");
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).contains("no identity file");
    }

    @Test
    void listenChatAndDevicesParse() {
        ListenCommand listen = parse("listen", "--identity", "a.json", "--count", "3", "--insecure-loopback");
        assertThat(listen.count).isEqualTo(3);
        assertThat(listen.server.trust.insecureLoopback).isTrue();

        ChatCommand chat = parse("chat", "--identity", "a.json", "--with", "bob@example");
        assertThat(chat.with).containsExactly("bob@example");

        DevicesCommand.ListDevices list = parse("devices", "list", "--identity", "a.json", "--json");
        assertThat(list.server.encoding()).isEqualTo(WireEncoding.JSON);

        UUID device = UUID.randomUUID();
        DevicesCommand.Revoke revoke = parse("devices", "revoke", "--identity", "a.json", "--device", device.toString(),
                "--reason", "lost");
        assertThat(revoke.device).isEqualTo(device);
        assertThat(revoke.reason).isEqualTo(RevocationReason.LOST);
        assertThat(((DevicesCommand.Revoke) parse("devices", "revoke", "--identity", "a.json", "--device",
                device.toString())).reason).isEqualTo(RevocationReason.RETIRED);
        assertThatThrownBy(() -> cli().parseArgs("devices", "revoke", "--identity", "a.json", "--device", "not-a-uuid"))
                .isInstanceOf(CommandLine.ParameterException.class);
    }

    // ---- admin ------------------------------------------------------------------------------------

    @Test
    void adminCommandsParseWithTheLoopbackDefault() {
        AdminCommand.CreateUser user = parse("admin", "create-user", "--user", "bob@example");
        assertThat(user.user).isEqualTo("bob@example");
        assertThat(user.options.admin).isEqualTo(URI.create("http://127.0.0.1:8080"));
        AdminCommand.CreateToken token = parse("admin", "create-token", "--user", "bob@example",
                "--admin", "http://127.0.0.1:9090/");
        assertThat(token.options.admin).isEqualTo(URI.create("http://127.0.0.1:9090/"));
    }

    @Test
    void adminRequestsFollowTheContract() throws Exception {
        AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:8080/"), HttpClient.newHttpClient(),
                Duration.ofSeconds(5), "0badc0de");
        HttpRequest user = admin.createUserRequest("bob@example");
        assertThat(user.method()).isEqualTo("POST");
        assertThat(user.uri()).isEqualTo(URI.create("http://127.0.0.1:8080/admin/users"));
        assertThat(user.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(user.headers().firstValue("Authorization")).contains("Bearer 0badc0de");
        assertThat(AdminCommand.AdminOptions.defaultTokenFile(java.util.Map.of("NORC_DATA_DIR", "/srv/norc")))
                .isEqualTo(java.nio.file.Path.of("/srv/norc/admin/token"));
        assertThat(AdminCommand.AdminOptions.defaultTokenFile(java.util.Map.of("NORC_ADMIN_TOKEN_FILE", "/etc/t", "NORC_DATA_DIR", "x")))
                .isEqualTo(java.nio.file.Path.of("/etc/t"));
        assertThat(body(user)).isEqualTo("{\"user_id\":\"bob@example\"}");

        HttpRequest token = admin.createTokenRequest("bob@example");
        assertThat(token.method()).isEqualTo("POST");
        assertThat(token.uri().getRawPath()).isEqualTo("/admin/users/bob@example/enrollment-tokens");
        assertThat(AdminClient.pathSegment("a/b?c@ex ample")).isEqualTo("a%2Fb%3Fc@ex%20ample");
    }

    @Test
    void adminAnswersAreCheckedAndErrorsExplained() throws Exception {
        assertThat(AdminClient.parse(201, "{\"token\":\"abc\",\"expires_at\":5}", 201).get("token").asText())
                .isEqualTo("abc");
        assertThatThrownBy(() -> AdminClient.parse(409, "{\"error\":\"user exists\"}", 201))
                .isInstanceOf(IOException.class).hasMessageContaining("already exists").hasMessageContaining("user exists");
        assertThatThrownBy(() -> AdminClient.parse(500, "<html>", 201)).isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 500");
    }

    @Test
    void plainHttpAdminIsForLoopbackOnly() {
        assertThat(AdminClient.checkBase(URI.create("http://[::1]:8080"))).isEqualTo(URI.create("http://[::1]:8080"));
        assertThatThrownBy(() -> AdminClient.checkBase(URI.create("http://192.0.2.7:8080")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(AdminClient.checkBase(URI.create("https://192.0.2.7:8443/"))).isEqualTo(URI.create("https://192.0.2.7:8443"));
    }

    // ---- output and state -------------------------------------------------------------------------

    @Test
    void receivedTextCannotDriveTheTerminal() {
        assertThat(Terminal.inert("hi\u001b[2Jthere\u202e!")).isEqualTo("hi\uFFFD[2Jthere\uFFFD!");
        assertThat(Terminal.inert("two\nlines")).isEqualTo("two\n    lines");
    }

    @Test
    void errorsAreDescribedByNameAndCode() {
        assertThat(NorcCli.describe(new java.util.concurrent.CompletionException(
                new NorcException(ErrorCode.REGISTRATION_REJECTED, "detail stays local"))))
                .startsWith("registration_rejected (1004)").doesNotContain("detail stays local");
        assertThat(NorcCli.describe(new java.util.concurrent.TimeoutException())).contains("timed out");
    }

    @Test
    void theChainFileCarriesTheOutgoingChainAcrossRuns() throws IOException {
        Path file = dir.resolve("alice.json.chains.json");
        UUID conversation = UUID.randomUUID();
        FileChainStore first = new FileChainStore(file);
        assertThat(first.next(conversation).sequence()).isZero();
        byte[] hash = new byte[32];
        hash[0] = 7;
        first.save(conversation, new ConversationChain.Link(3, hash));

        ConversationChain.Link later = new FileChainStore(file).next(conversation);
        assertThat(later.sequence()).isEqualTo(3);
        assertThat(later.prevHash()).isEqualTo(hash);
        assertThat(new FileChainStore(file).next(UUID.randomUUID()).sequence()).isZero();
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    /** Reads a request body through its publisher, as the HTTP client would. */
    static String body(HttpRequest request) throws Exception {
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElseThrow();
        CompletableFuture<String> done = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                text.append(StandardCharsets.UTF_8.decode(item));
            }

            @Override
            public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                done.complete(text.toString());
            }
        });
        return done.get(5, TimeUnit.SECONDS);
    }
}
