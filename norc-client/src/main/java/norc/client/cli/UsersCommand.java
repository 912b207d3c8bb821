package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code norc admin users}: disable a user (its sessions close at once; until enabled it looks
 * like no user at all: no device authenticates, nobody gets its keys or can write to it) or
 * enable it again. Creating one is {@code norc admin create-user}; its devices are
 * {@code norc admin devices list}.
 */
@Command(name = "users", description = "Disable or enable a user.",
        subcommands = {UsersCommand.Disable.class, UsersCommand.Enable.class})
final class UsersCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: disable, enable");
    }

    @Command(name = "disable", description = "Disable a user: its sessions close, and it looks like no user until enabled.")
    static final class Disable implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "The user, local@domain.")
        String user;

        @Mixin
        AdminCommand.AdminOptions options;

        @Mixin
        AdminOutput output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return change(options, output, spec, user, "disable");
        }
    }

    @Command(name = "enable", description = "Enable a disabled user again.")
    static final class Enable implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "The user, local@domain.")
        String user;

        @Mixin
        AdminCommand.AdminOptions options;

        @Mixin
        AdminOutput output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return change(options, output, spec, user, "enable");
        }
    }

    private static int change(AdminCommand.AdminOptions options, AdminOutput output, picocli.CommandLine.Model.CommandSpec spec,
                              String user, String action) throws Exception {
        JsonNode answer = options.client().postJson("/admin/users/" + AdminClient.pathSegment(user) + "/" + action, "{}", 200);
        return output.print(spec.commandLine().getOut(), answer, a -> List.of(a.path("user_id").asText()
                + (a.path("disabled").asBoolean() ? " disabled" : " enabled")));
    }
}
