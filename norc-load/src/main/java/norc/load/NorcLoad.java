package norc.load;

import norc.load.cli.ChatCommand;
import norc.load.cli.StormCommand;
import norc.load.cli.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code norc-load}: a protocol-real load generator for NORC-C servers. Every session is a real
 * device: TLS 1.3 WebSocket, the full NORC handshake, Ed25519 registration or authentication, and
 * in {@code chat} end-to-end encrypted messages. See {@code norc-load/README.md}.
 */
@Command(name = "norc-load", mixinStandardHelpOptions = true, version = "norc-load 0.1.0",
        description = "Protocol-real NORC load generator: connection storms and end-to-end chat.",
        subcommands = {StormCommand.class, ChatCommand.class, norc.load.cli.FanoutCommand.class, WorkerCommand.class,
                CommandLine.HelpCommand.class})
public final class NorcLoad implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new NorcLoad()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
