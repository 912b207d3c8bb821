package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * How an admin command prints the API's answer: its JSON as it came ({@code --json}, one line, for
 * scripts), or lines for a person. Every admin command exits 0 when the API did what was asked,
 * 1 when it refused or could not be reached (the reason on stderr), 2 on a usage error.
 */
final class AdminOutput {
    @Option(names = "--json", description = "Print the admin API's JSON answer instead of a table.")
    boolean json;

    /** Prints {@code answer}, as JSON or as {@code lines(answer)} made inert; returns the exit status 0. */
    int print(PrintWriter out, JsonNode answer, Function<JsonNode, List<String>> lines) {
        if (json) {
            Terminal.print(out, answer.toString());
        } else {
            lines.apply(answer).forEach(line -> Terminal.print(out, Terminal.inert(line)));
        }
        return 0;
    }
}
