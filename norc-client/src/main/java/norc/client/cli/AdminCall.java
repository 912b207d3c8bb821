package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * What every admin subcommand shares: the admin API and its token ({@link AdminCommand.AdminOptions}),
 * {@code --json} ({@link AdminOutput}), and printing the answer. A subcommand declares only its
 * own options and the call it makes.
 */
abstract class AdminCall implements Callable<Integer> {
    @Mixin
    AdminCommand.AdminOptions options;

    @Mixin
    AdminOutput output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    AdminClient client() throws java.io.IOException {
        return options.client();
    }

    /** Prints the API's {@code answer} (JSON with {@code --json}, else {@code lines}); returns the exit status 0. */
    int print(JsonNode answer, Function<JsonNode, List<String>> lines) {
        return output.print(spec.commandLine().getOut(), answer, lines);
    }
}
