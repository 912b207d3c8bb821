package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code norc admin cluster}: the cluster as the node behind the admin API sees it: its members
 * ({@code members}), where the shards are ({@code shards}), and a node asked to leave gracefully
 * ({@code leave}) or marked down once it is gone ({@code down}).
 */
@Command(name = "cluster", description = "The cluster: members, shards, leave, down.",
        subcommands = {ClusterCommand.Members.class, ClusterCommand.Shards.class, ClusterCommand.Leave.class, ClusterCommand.Down.class})
final class ClusterCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: members, shards, leave, down");
    }

    @Command(name = "members", description = "Every member: address, status, reachability, roles; this node and the leader marked.")
    static final class Members extends AdminCall {
        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().getJson("/admin/cluster/members", 200);
            return print(answer, ClusterCommand::memberLines);
        }
    }

    @Command(name = "shards", description = "Shards and entities per entity type and node.")
    static final class Shards extends AdminCall {
        @Override
        public Integer call() throws Exception {
            JsonNode answer = client().getJson("/admin/cluster/shards", 200);
            return print(answer, ClusterCommand::shardLines);
        }
    }

    /** A change of membership asked of the cluster for one member. */
    abstract static class MembershipChange extends AdminCall {
        @Option(names = "--address", required = true, description = "The member, pekko://norc@host:port.")
        String address;

        abstract String action();

        @Override
        public Integer call() throws Exception {
            String body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("address", address).toString();
            JsonNode answer = client().postJson("/admin/cluster/" + action(), body, 202);
            return print(answer, a -> List.of(action() + " asked of " + a.path("address").asText()));
        }
    }

    @Command(name = "leave", description = "Ask a member to leave gracefully (its shards move to the others).")
    static final class Leave extends MembershipChange {
        @Override
        String action() {
            return "leave";
        }
    }

    @Command(name = "down", description = "Mark a member that is gone as down (its shards start elsewhere).")
    static final class Down extends MembershipChange {
        @Override
        String action() {
            return "down";
        }
    }

    static List<String> memberLines(JsonNode answer) {
        List<String> lines = new ArrayList<>();
        String self = answer.path("self").asText();
        String leader = answer.path("leader").asText();
        for (JsonNode m : answer.path("members")) {
            String address = m.path("address").asText();
            StringBuilder line = new StringBuilder(address).append("  ").append(m.path("status").asText())
                    .append(m.path("reachable").asBoolean() ? "  reachable" : "  UNREACHABLE");
            if (address.equals(self)) {
                line.append("  (this node)");
            }
            if (address.equals(leader)) {
                line.append("  (leader)");
            }
            lines.add(line.toString());
        }
        return lines;
    }

    static List<String> shardLines(JsonNode answer) {
        List<String> lines = new ArrayList<>();
        answer.path("types").fields().forEachRemaining(type -> type.getValue().fields().forEachRemaining(node ->
                lines.add(type.getKey() + "  " + node.getKey() + "  " + node.getValue().path("shards").asInt() + " shards  "
                        + node.getValue().path("entities").asInt() + " entities")));
        return lines;
    }
}
