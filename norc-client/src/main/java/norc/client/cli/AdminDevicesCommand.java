package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code norc admin devices}: a user's devices as the operator sees them ({@code list}), revoked by
 * the operator without the owner's signature ({@code revoke}), or their live session closed
 * ({@code disconnect}).
 */
@Command(name = "devices", description = "A user's devices: list, revoke, disconnect.",
        subcommands = {AdminDevicesCommand.ListDevices.class, AdminDevicesCommand.Revoke.class, AdminDevicesCommand.Disconnect.class})
final class AdminDevicesCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: list, revoke, disconnect");
    }

    @Command(name = "list", description = "Every device of a user, revoked ones included.")
    static final class ListDevices extends AdminCall {
        @Option(names = "--user", required = true, description = "The user, local@domain.")
        String user;

        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().getJson("/admin/users/" + AdminClient.pathSegment(user) + "/devices", 200);
            return print(answer, AdminDevicesCommand::lines);
        }
    }

    @Command(name = "revoke", description = "Revoke a device of a user without its owner's signature (a lost device).")
    static final class Revoke extends AdminCall {
        @Option(names = "--user", required = true, description = "The device's user, local@domain.")
        String user;

        @Option(names = "--device", required = true, description = "The device id.")
        UUID device;

        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().postJson("/admin/users/" + AdminClient.pathSegment(user) + "/devices/" + device
                    + "/revoke", "{}", 200);
            return print(answer, a -> List.of("revoked " + a.path("device_id").asText()));
        }
    }

    @Command(name = "disconnect", description = "Close a device's live session, on whichever node holds it (it may reconnect).")
    static final class Disconnect extends AdminCall {
        @Option(names = "--device", required = true, description = "The device id.")
        UUID device;

        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().postJson("/admin/devices/" + device + "/disconnect", "{}", 200);
            return print(answer, a -> List.of(a.path("had_session").asBoolean()
                    ? "disconnected " + a.path("device_id").asText() : "no live session for " + a.path("device_id").asText()));
        }
    }

    /** One line per device: id, name, type, registered (and revoked) times. */
    static List<String> lines(JsonNode answer) {
        List<String> lines = new ArrayList<>();
        if (answer.path("disabled").asBoolean()) {
            lines.add("user " + answer.path("user_id").asText() + " is disabled");
        }
        for (JsonNode d : answer.path("devices")) {
            StringBuilder line = new StringBuilder(d.path("device_id").asText()).append("  ").append(d.path("name").asText())
                    .append("  ").append(d.path("type").asText())
                    .append("  registered ").append(Instant.ofEpochMilli(d.path("registered_at").asLong()));
            if (d.path("revoked_at").canConvertToLong()) {
                line.append("  revoked ").append(Instant.ofEpochMilli(d.path("revoked_at").asLong()));
            }
            lines.add(line.toString());
        }
        if (lines.isEmpty()) {
            lines.add("no devices");
        }
        return lines;
    }
}
