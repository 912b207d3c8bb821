package norc.load.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import norc.load.run.WorkerSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerTargetsTest {
    static final URI A = URI.create("wss://127.0.0.1:9443/norc-c");
    static final URI B = URI.create("wss://127.0.0.1:9453/norc-c");
    static final URI C = URI.create("wss://127.0.0.1:9463/norc-c");
    static final URI ADMIN_A = URI.create("http://127.0.0.1:9080");
    static final URI ADMIN_B = URI.create("http://127.0.0.1:9090");
    static final Path CERT_A = Path.of("/data/federation/a/tls/server-cert.pem");
    static final Path CERT_B = Path.of("/data/federation/b/tls/server-cert.pem");

    /** The chat command's options as picocli reads them, without running anything. */
    private static ChatCommand parse(String... args) {
        ChatCommand chat = new ChatCommand();
        new CommandLine(chat).parseArgs(args);
        return chat;
    }

    private static ServerTargets resolve(ChatCommand chat) {
        return ServerTargets.resolve(chat.servers, chat.admins, chat.trustCerts, chat.federated,
                chat.registration.equals("open"));
    }

    @Test
    void withoutFederatedTheDefaultsAreOneLocalServer() {
        ServerTargets targets = resolve(parse("-p", "1"));
        assertThat(targets.federated()).isFalse();
        assertThat(targets.endpoints()).containsExactly(URI.create(RunCommand.DEFAULT_SERVER));
        assertThat(targets.admin()).isEqualTo(URI.create(RunCommand.DEFAULT_ADMIN));
        assertThat(targets.trustCert()).isNull();
        assertThat(targets.homeServers()).isEmpty();
    }

    @Test
    void withoutFederatedOneAdminAndOneCertificateServeEveryEndpoint() {
        ServerTargets targets = resolve(parse("-p", "1", "--server", A.toString(), "--server", B.toString(),
                "--server", C.toString(), "--admin", ADMIN_A.toString(), "--trust-cert", CERT_A.toString()));
        assertThat(targets.federated()).isFalse();
        assertThat(targets.endpoints()).containsExactly(A, B, C);
        assertThat(targets.admin()).isEqualTo(ADMIN_A);
        assertThat(targets.trustCert()).isEqualTo(CERT_A);
    }

    @Test
    void withoutFederatedARepeatedAdminOrCertificateIsRefused() {
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--server", A.toString(), "--server", B.toString(),
                "--admin", ADMIN_A.toString(), "--admin", ADMIN_B.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--admin is given once");
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--server", A.toString(), "--server", B.toString(),
                "--trust-cert", CERT_A.toString(), "--trust-cert", CERT_B.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--trust-cert is given once");
    }

    @Test
    void federatedMatchesAdminAndCertificateToServerByPosition() {
        ServerTargets targets = resolve(parse("-p", "1", "--federated",
                "--server", A.toString(), "--admin", ADMIN_A.toString(), "--trust-cert", CERT_A.toString(),
                "--server", B.toString(), "--admin", ADMIN_B.toString(), "--trust-cert", CERT_B.toString()));
        assertThat(targets.federated()).isTrue();
        assertThat(targets.endpoints()).containsExactly(A, B);
        assertThat(targets.admin()).isNull();
        assertThat(targets.trustCert()).isNull();
        assertThat(targets.homeServers()).containsExactly(
                new WorkerSpec.HomeServer(A.toString(), ADMIN_A.toString(), CERT_A.toAbsolutePath().toString(), null),
                new WorkerSpec.HomeServer(B.toString(), ADMIN_B.toString(), CERT_B.toAbsolutePath().toString(), null));
    }

    @Test
    void federatedTakesOneCertificateForAllServersOrNone() {
        ServerTargets one = resolve(parse("-p", "1", "--federated", "--trust-cert", CERT_A.toString(),
                "--server", A.toString(), "--admin", ADMIN_A.toString(),
                "--server", B.toString(), "--admin", ADMIN_B.toString()));
        assertThat(one.homeServers()).extracting(WorkerSpec.HomeServer::trustCertificate)
                .containsExactly(CERT_A.toAbsolutePath().toString(), CERT_A.toAbsolutePath().toString());
        ServerTargets none = resolve(parse("-p", "1", "--federated", "--insecure-loopback",
                "--server", A.toString(), "--admin", ADMIN_A.toString(),
                "--server", B.toString(), "--admin", ADMIN_B.toString()));
        assertThat(none.homeServers()).extracting(WorkerSpec.HomeServer::trustCertificate).containsOnlyNulls();
    }

    @Test
    void federatedRefusesCertificateCountsThatDoNotMatch() {
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated",
                "--server", A.toString(), "--server", B.toString(), "--server", C.toString(),
                "--admin", ADMIN_A.toString(), "--admin", ADMIN_B.toString(), "--admin", ADMIN_B.toString(),
                "--trust-cert", CERT_A.toString(), "--trust-cert", CERT_B.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one --trust-cert for all or 3").hasMessageContaining("got 2");
    }

    @Test
    void federatedNeedsOneAdminPerServerUnlessRegistrationIsOpen() {
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated", "--server", A.toString(),
                "--server", B.toString(), "--admin", ADMIN_A.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 2 --admin")
                .hasMessageContaining("got 1");
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated", "--server", A.toString(),
                "--server", B.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 2 --admin");
        ServerTargets open = resolve(parse("-p", "1", "--federated", "--registration", "open",
                "--server", A.toString(), "--server", B.toString()));
        assertThat(open.homeServers()).extracting(WorkerSpec.HomeServer::adminUrl).containsOnlyNulls();
    }

    @Test
    void federatedNeedsAtLeastTwoDifferentServers() {
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated", "--server", A.toString(),
                "--admin", ADMIN_A.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least two");
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least two");
        assertThatThrownBy(() -> resolve(parse("-p", "1", "--federated", "--server", A.toString(),
                "--admin", ADMIN_A.toString(), "--server", A.toString(), "--admin", ADMIN_B.toString())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
    }

    @Test
    void serverPidRepeats() {
        assertThat(parse("-p", "1", "--server-pid", "12", "--server-pid", "34").serverPids).containsExactly(12L, 34L);
        assertThat(parse("-p", "1").serverPids).isEmpty();
    }

    @Test
    void optionShapeErrorsAreUsageErrorsBeforeAnyConnection() {
        // nothing listens on these ports: a status of 2 means the command stopped at the options
        assertThat(norc.load.NorcLoad.execute("chat", "-p", "1", "--server", A.toString(), "--server", B.toString(),
                "--admin", ADMIN_A.toString(), "--admin", ADMIN_B.toString())).isEqualTo(2);
        assertThat(norc.load.NorcLoad.execute("chat", "-p", "1", "--federated", "--server", A.toString(),
                "--admin", ADMIN_A.toString())).isEqualTo(2);
        assertThat(norc.load.NorcLoad.execute("chat", "-p", "1", "--federated", "--domain", "x.test",
                "--server", A.toString(), "--admin", ADMIN_A.toString(),
                "--server", B.toString(), "--admin", ADMIN_B.toString())).isEqualTo(2);
    }
}
