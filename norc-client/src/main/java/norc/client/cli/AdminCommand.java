package norc.client.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import norc.client.TransportSecurity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc admin}: operator commands against the server's loopback admin API. */
@Command(name = "admin", description = "Operator commands (the server's admin HTTP API, loopback by default).",
        subcommands = {AdminCommand.CreateUser.class, AdminCommand.CreateToken.class, UsersCommand.class, AdminDevicesCommand.class,
                SessionsCommand.class, ClusterCommand.class, TrustCommands.class, AuditCommand.class})
final class AdminCommand implements Runnable {
    static final String DEFAULT_ADMIN = "http://127.0.0.1:8080";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: create-user, create-token, users, devices, sessions, cluster, trust, audit");
    }

    /** Options every admin command shares. */
    static final class AdminOptions {
        @Option(names = "--admin", defaultValue = DEFAULT_ADMIN, paramLabel = "URL",
                description = "The admin API base address. Default: ${DEFAULT-VALUE}.")
        URI admin;

        @Option(names = "--trust-cert", paramLabel = "FILE", description = "For https://: trust this certificate.")
        Path certificate;

        @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
                description = "How long to wait. Default: ${DEFAULT-VALUE} s.")
        int timeoutSeconds;

        @Option(names = "--admin-token-file", paramLabel = "FILE",
                description = "The server's admin token (its norc.admin.token-file). Default: $NORC_ADMIN_TOKEN_FILE, "
                        + "else $NORC_DATA_DIR/admin/token, else data/admin/token.")
        Path tokenFile;

        /** The token file this command reads: the option, else the server's own default for this environment. */
        Path tokenFile() {
            return tokenFile != null ? tokenFile : defaultTokenFile(System.getenv());
        }

        static Path defaultTokenFile(java.util.Map<String, String> env) {
            String file = env.get("NORC_ADMIN_TOKEN_FILE");
            if (file != null && !file.isEmpty()) {
                return Path.of(file);
            }
            String dataDir = env.getOrDefault("NORC_DATA_DIR", "");
            return Path.of(dataDir.isEmpty() ? "data" : dataDir, "admin", "token");
        }

        AdminClient client() throws java.io.IOException {
            Duration timeout = Duration.ofSeconds(timeoutSeconds);
            SSLContext context = certificate != null ? TransportSecurity.trustCertificate(certificate, null)
                    : TransportSecurity.systemTrust();
            HttpClient http = HttpClient.newBuilder().sslContext(context).connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            String token;
            try {
                token = java.nio.file.Files.readString(tokenFile(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            } catch (java.io.IOException e) {
                throw new java.io.IOException("cannot read the admin token " + tokenFile() + " (--admin-token-file): "
                        + e.getMessage(), e);
            }
            return new AdminClient(admin, http, timeout, token);
        }
    }

    @Command(name = "create-user", description = "Create a user.")
    static final class CreateUser implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "The new user id, local@domain.")
        String user;

        @picocli.CommandLine.Mixin
        AdminOptions options;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String created = options.client().createUser(user);
            Terminal.print(spec.commandLine().getOut(), "created user " + Terminal.inert(created));
            return 0;
        }
    }

    @Command(name = "create-token", description = "Issue a one-time enrollment token for a user; prints only the token.")
    static final class CreateToken implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "The user the token enrolls a device for.")
        String user;

        @picocli.CommandLine.Mixin
        AdminOptions options;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            AdminClient.EnrollmentToken token = options.client().createToken(user);
            // the token alone on stdout, so that TOKEN=$(norc admin create-token ...) works
            Terminal.print(spec.commandLine().getOut(), Terminal.inert(token.token()));
            Terminal.print(spec.commandLine().getErr(), "norc: one-time token for " + user + ", expires "
                    + Instant.ofEpochSecond(token.expiresAt()));
            return 0;
        }
    }
}
