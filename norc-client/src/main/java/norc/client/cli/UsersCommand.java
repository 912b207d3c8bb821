package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
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

    /** Disabling or enabling one user. */
    abstract static class Change extends AdminCall {
        @Option(names = "--user", required = true, description = "The user, local@domain.")
        String user;

        abstract String action();

        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().postJson("/admin/users/" + AdminClient.pathSegment(user) + "/" + action(), "{}", 200);
            return print(answer, a -> List.of(a.path("user_id").asText() + (a.path("disabled").asBoolean() ? " disabled" : " enabled")));
        }
    }

    @Command(name = "disable", description = "Disable a user: its sessions close, and it looks like no user until enabled.")
    static final class Disable extends Change {
        @Override
        String action() {
            return "disable";
        }
    }

    @Command(name = "enable", description = "Enable a disabled user again.")
    static final class Enable extends Change {
        @Override
        String action() {
            return "enable";
        }
    }
}
