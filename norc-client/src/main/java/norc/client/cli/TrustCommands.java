package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code norc admin trust}: the operator's view of federation peers and NORC-T decisions (the
 * server's {@code /admin/federation/peers} API): list, show, add, request, approve, reject,
 * revoke, deny, allow. Every command prints one line per peer, or the JSON answer with {@code --json}.
 */
@Command(name = "trust", description = "Federation peers and trust decisions (NORC-T).",
        subcommands = {TrustCommands.ListPeers.class, TrustCommands.Show.class, TrustCommands.Add.class, TrustCommands.Request.class,
                TrustCommands.Approve.class, TrustCommands.Reject.class, TrustCommands.Revoke.class, TrustCommands.Deny.class,
                TrustCommands.Allow.class})
final class TrustCommands implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "name a subcommand: list, show, add, request, approve, reject, revoke, deny, allow");
    }

    /** What every trust command shares: the admin API, {@code --json}, and who decides. */
    static class Common {
        @Mixin
        AdminCommand.AdminOptions options;

        @Option(names = "--json", description = "Print the admin API's JSON answer.")
        boolean json;

        @Option(names = "--operator", defaultValue = "operator", description = "Who decides (kept in the trust journal). Default: ${DEFAULT-VALUE}.")
        String operator;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        ObjectNode body() {
            return JSON.createObjectNode().put("operator", operator);
        }

        int print(JsonNode answer) {
            if (json) {
                Terminal.print(out(), answer.toString());
            } else if (answer.has("peers")) {
                if (answer.get("peers").isEmpty()) {
                    Terminal.print(out(), "no peers");
                }
                answer.get("peers").forEach(p -> Terminal.print(out(), line(p)));
            } else {
                Terminal.print(out(), line(answer));
            }
            return 0;
        }

        static String line(JsonNode p) {
            StringBuilder line = new StringBuilder(Terminal.inert(p.path("server_id").asText()));
            line.append("  ").append(Terminal.inert(p.path("grant").asText()));
            appendIf(line, "method", p);
            appendIf(line, "decided_by", p);
            appendIf(line, "asked", p);
            appendIf(line, "pending", p);
            if (p.path("deny").asBoolean(false)) {
                line.append("  denied");
            }
            appendIf(line, "key_id", p);
            appendIf(line, "key_id_presented", p);
            appendIf(line, "outcome", p);
            if (p.has("error_code")) {
                line.append("  error ").append(p.get("error_code").asLong());
            }
            return line.toString();
        }

        private static void appendIf(StringBuilder line, String field, JsonNode p) {
            String value = p.path(field).asText("");
            if (!value.isEmpty()) {
                line.append("  ").append(field.replace('_', ' ')).append(' ').append(Terminal.inert(value));
            }
        }

        String path(String peer, String action) {
            return "/admin/federation/peers/" + AdminClient.pathSegment(peer) + (action.isEmpty() ? "" : "/" + action);
        }
    }

    @Command(name = "list", description = "Every peer: static ones and those with a trust record.")
    static final class ListPeers extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return print(options.client().getJson("/admin/federation/peers", 200));
        }
    }

    @Command(name = "show", description = "One peer's trust record, with the key id it presents (compare it out of band).")
    static final class Show extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Override
        public Integer call() throws Exception {
            return print(options.client().getJson(path(peer, ""), 200));
        }
    }

    @Command(name = "add", description = "Create a trust record for a server: its hellos are admitted (at untrusted).")
    static final class Add extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Option(names = "--address", defaultValue = "", paramLabel = "HOST:PORT", description = "Where it serves NORC-F (default SERVER_ID:8843).")
        String address;

        @Override
        public Integer call() throws Exception {
            return print(options.client().postJson("/admin/federation/peers",
                    body().put("server_id", peer).put("address", address).toString(), 200));
        }
    }

    @Command(name = "request", description = "Ask a server for a trust level (runs the NORC-T exchange now).")
    static final class Request extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Option(names = "--level", defaultValue = "basic", description = "basic, verified, classified or nato. Default: ${DEFAULT-VALUE}.")
        String level;

        @Option(names = "--address", defaultValue = "", paramLabel = "HOST:PORT", description = "Where it serves NORC-F.")
        String address;

        @Override
        public Integer call() throws Exception {
            JsonNode answer = options.client().postJson(path(peer, "request"),
                    body().put("level", level).put("address", address).toString(), 200);
            return print(answer);
        }
    }

    @Command(name = "approve", description = "Grant a pending request (at most the level asked).")
    static final class Approve extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Option(names = "--level", defaultValue = "basic", description = "The level granted. Default: ${DEFAULT-VALUE}.")
        String level;

        @Override
        public Integer call() throws Exception {
            return print(options.client().postJson(path(peer, "approve"), body().put("level", level).toString(), 200));
        }
    }

    @Command(name = "reject", description = "Reject a pending request (the server hears trust_revoke, reason policy).")
    static final class Reject extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Override
        public Integer call() throws Exception {
            return print(options.client().postJson(path(peer, "reject"), body().toString(), 200));
        }
    }

    @Command(name = "revoke", description = "Revoke a peer at once: untrusted and denied, links cut, queued relays failed.")
    static final class Revoke extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Option(names = "--reason", defaultValue = "policy", description = "compromised, policy or request. Default: ${DEFAULT-VALUE}.")
        String reason;

        @Override
        public Integer call() throws Exception {
            return print(options.client().postJson(path(peer, "revoke"), body().put("reason", reason).toString(), 200));
        }
    }

    @Command(name = "deny", description = "Deny a server (revoke with reason policy): its hellos get 5001 until allowed again.")
    static final class Deny extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Override
        public Integer call() throws Exception {
            options.client().postJson("/admin/federation/peers", body().put("server_id", peer).toString(), 200);
            return print(options.client().postJson(path(peer, "revoke"), body().put("reason", "policy").toString(), 200));
        }
    }

    @Command(name = "allow", description = "Lift a deny (a new trust request may follow).")
    static final class Allow extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SERVER_ID")
        String peer;

        @Override
        public Integer call() throws Exception {
            return print(options.client().postJson(path(peer, "allow"), body().toString(), 200));
        }
    }
}
