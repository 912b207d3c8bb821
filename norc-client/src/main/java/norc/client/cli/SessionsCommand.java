package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code norc admin sessions}: connections open on the node behind the admin API, and how many have authenticated. */
@Command(name = "sessions", description = "Connections on this node and how many are authenticated sessions.")
final class SessionsCommand extends AdminCall {
    @Override
    public Integer call() throws Exception {
        JsonNode answer = client().getJson("/admin/connections", 200);
        return print(answer, a -> List.of(a.path("connections").asInt() + " connections, "
                + a.path("authenticated").asInt() + " authenticated"));
    }
}
