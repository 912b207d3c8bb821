package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code norc admin sessions}: connections open on the node behind the admin API, and how many have authenticated. */
@Command(name = "sessions", description = "Connections on this node and how many are authenticated sessions.")
final class SessionsCommand implements Callable<Integer> {
    @Mixin
    AdminCommand.AdminOptions options;

    @Mixin
    AdminOutput output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JsonNode answer = options.client().getJson("/admin/connections", 200);
        return output.print(spec.commandLine().getOut(), answer, a -> List.of(a.path("connections").asInt() + " connections, "
                + a.path("authenticated").asInt() + " authenticated"));
    }
}
