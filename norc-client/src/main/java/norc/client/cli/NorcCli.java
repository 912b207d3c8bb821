package norc.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import norc.error.NorcException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code norc}: the command-line client. Device commands ({@code identity}, {@code register},
 * {@code send}, {@code listen}, {@code chat}, {@code devices}) speak NORC-C to a server through the
 * SDK; {@code admin} calls the server's loopback admin HTTP API. Exit status: 0 success, 1 failure,
 * 2 usage error. Errors print the NORC error name and code, never keys or message content.
 */
@Command(name = "norc", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, // --help on every command
        version = "norc 0.1.0 (NORC-C 2.0)",
        description = "NORC secure messaging client.",
        subcommands = {IdentityCommand.class, RegisterCommand.class, SendCommand.class, ListenCommand.class,
                ChatCommand.class, GroupCommand.class, FilesCommand.class, DevicesCommand.class, AdminCommand.class})
public final class NorcCli implements Runnable {
    /** Exit status of a failed command (usage errors exit with 2, picocli's default). */
    static final int FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line, for {@link #run} and for parsing tests. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new NorcCli());
        commandLine.setExecutionExceptionHandler(NorcCli::report);
        return commandLine;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }

    /** Prints a failure as one line a person can act on; no stack trace, nothing secret. */
    private static int report(Exception failure, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        err.println("norc: " + describe(failure));
        err.flush();
        return FAILURE;
    }

    static String describe(Throwable failure) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof NorcException n) {
            String hint = switch (n.code()) {
                case STALE_TIMESTAMP_AUTH -> " (is this machine's clock right?)";
                case REGISTRATION_REJECTED -> " (is the enrollment token valid and unused?)";
                case FORBIDDEN -> " (not allowed, or a recipient has no registered device)";
                case UNAVAILABLE -> n.getCause() != null ? ": " + describe(n.getCause()) : "";
                default -> "";
            };
            return n.code().atom() + " (" + n.code().code() + ")" + hint;
        }
        if (e instanceof TimeoutException) {
            return "timed out waiting for the server";
        }
        if (e instanceof CliException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException) {
            return "cannot connect to the server (refused, unreachable or timed out)";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS failed: " + e.getMessage() + " (is the certificate trusted? see --trust-cert)";
        }
        if (e instanceof IOException) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** A failure whose message is meant for the user as it is. */
    static final class CliException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CliException(String message) {
            super(message);
        }
    }
}
