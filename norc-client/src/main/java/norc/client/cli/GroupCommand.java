package norc.client.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.client.GroupView;
import norc.client.NorcClient;
import norc.client.ServerError;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code norc group create|add|remove|leave|role|list}: groups the server holds (groups profile
 * A). Each run connects as the identity's device, makes one change and prints the group after it;
 * the ids it learns are kept beside the identity ({@link KnownGroups}) for {@code list}.
 */
@Command(name = "group", description = "Create and change groups, and list yours.",
        subcommands = {GroupCommand.Create.class, GroupCommand.Add.class, GroupCommand.Remove.class, GroupCommand.Leave.class,
                GroupCommand.SetRole.class, GroupCommand.ListGroups.class})
final class GroupCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: create, add, remove, leave, role, list");
    }

    /** What every group subcommand shares: the connection, the known groups, the printing. */
    abstract static class GroupCall extends DeviceCall {
        KnownGroups known;

        NorcClient connect() throws Exception {
            IdentityFile file = identityFile();
            known = new KnownGroups(file.groupsFile());
            return authenticated(file, known);
        }

        void print(GroupView group) {
            Terminal.print(out(), group.conversationId() + "  v" + group.version()
                    + group.title().map(t -> "  \"" + Terminal.inert(t) + "\"").orElse(""));
            group.members().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(m -> Terminal.print(out(), "  " + Terminal.inert(m.getKey()) + "  " + m.getValue().wireName()));
            known.add(group.conversationId());
        }
    }

    @Command(name = "create", description = "Create a group; you are its owner.")
    static final class Create extends GroupCall {
        @Option(names = "--member", required = true, paramLabel = "USER", description = "A member (repeat).")
        List<String> members;

        @Option(names = "--admin", paramLabel = "USER", description = "An admin (repeat).")
        List<String> admins = List.of();

        @Option(names = "--title", defaultValue = "", description = "The title, sealed so that only members read it.")
        String title;

        @Override
        public Integer call() throws Exception {
            Map<String, InvitedRole> invited = new LinkedHashMap<>();
            members.forEach(user -> invited.put(user, InvitedRole.MEMBER));
            admins.forEach(user -> invited.put(user, InvitedRole.ADMIN));
            try (NorcClient client = connect()) {
                print(Connector.await(client.createGroup(invited, title), server.timeout()));
            } catch (NorcException e) {
                throw unavailable(e);
            }
            return 0;
        }
    }

    @Command(name = "add", description = "Add members (admins and the owner may).")
    static final class Add extends GroupCall {
        @Option(names = "--group", required = true, paramLabel = "UUID") UUID group;

        @Option(names = "--member", required = true, paramLabel = "USER", description = "A user to add (repeat).")
        List<String> users;

        @Option(names = "--as-admin", description = "Add them as admins (the owner only).")
        boolean asAdmin;

        @Override
        public Integer call() throws Exception {
            try (NorcClient client = connect()) {
                print(Connector.await(client.addToGroup(group, users, asAdmin ? InvitedRole.ADMIN : InvitedRole.MEMBER), server.timeout()));
            } catch (NorcException e) {
                throw unavailable(e);
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove members (admins may remove members, the owner also admins).")
    static final class Remove extends GroupCall {
        @Option(names = "--group", required = true, paramLabel = "UUID") UUID group;

        @Option(names = "--member", required = true, paramLabel = "USER", description = "A member to remove (repeat).")
        List<String> users;

        @Override
        public Integer call() throws Exception {
            try (NorcClient client = connect()) {
                print(Connector.await(client.removeFromGroup(group, users), server.timeout()));
            }
            return 0;
        }
    }

    @Command(name = "leave", description = "Leave a group.")
    static final class Leave extends GroupCall {
        @Option(names = "--group", required = true, paramLabel = "UUID") UUID group;

        @Override
        public Integer call() throws Exception {
            try (NorcClient client = connect()) {
                Connector.await(client.leaveGroup(group), server.timeout());
                known.remove(group);
                Terminal.print(out(), "left " + group);
            }
            return 0;
        }
    }

    @Command(name = "role", description = "Give a member a role (the owner only; owner transfers ownership).")
    static final class SetRole extends GroupCall {
        @Option(names = "--group", required = true, paramLabel = "UUID") UUID group;

        @Option(names = "--member", required = true, paramLabel = "USER") String user;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "owner, admin or member.")
        String role;

        @Override
        public Integer call() throws Exception {
            Role wanted = Role.valueOf(role.toUpperCase(java.util.Locale.ROOT));
            try (NorcClient client = connect()) {
                print(Connector.await(client.setRole(group, user, wanted), server.timeout()));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List the groups you are in, as the server has them now.")
    static final class ListGroups extends GroupCall {
        @Override
        public Integer call() throws Exception {
            try (NorcClient client = connect()) {
                Thread.sleep(500); // changes waiting in this device's inbox arrive right after authentication
                for (UUID id : known.ids()) {
                    try {
                        print(Connector.await(client.refreshGroup(id), server.timeout()));
                    } catch (NorcException e) {
                        if (e.code() != ErrorCode.FORBIDDEN) {
                            throw e;
                        }
                        known.remove(id); // no longer a member (or the group is gone)
                    }
                }
            }
            return 0;
        }
    }

    /** A refusal naming users (2004): which ones, as the server told this member. */
    private static Exception unavailable(NorcException e) {
        String users = ServerError.of(e).map(s -> s.details().get("users")).orElse(null);
        return users == null ? e : new NorcCli.CliException("not available: " + String.join(", ", users.split("\n")));
    }
}
