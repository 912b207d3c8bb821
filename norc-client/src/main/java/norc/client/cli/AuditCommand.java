package norc.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import norc.audit.AuditVerifier;
import norc.crypto.Bytes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code norc admin audit}: the server's audit log (spec §6.18), checked here rather than trusted:
 * {@code verify} pages through every entry and re-walks the hash chain with
 * {@link AuditVerifier}, independently of the server; {@code roots} lists the daily root hashes to
 * publish or to compare with published ones.
 */
@Command(name = "audit", description = "The server's hash-chained audit log.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Roots.class})
final class AuditCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: verify, roots");
    }

    @Command(name = "verify", description = "Fetch every audit entry and verify the chain; exit 1 if it is broken.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        AdminCommand.AdminOptions options;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            AdminClient client = options.client();
            AuditVerifier verifier = new AuditVerifier();
            long from = 1;
            while (from > 0) {
                AdminClient.AuditPage page = client.auditEntries(from);
                page.entries().forEach(verifier::accept);
                long next = page.entries().isEmpty() ? 0 : page.nextFrom();
                if (next != 0 && next <= from) {
                    throw new java.io.IOException("the admin API's next_from does not move forward");
                }
                from = next;
            }
            AuditVerifier.Break broken = verifier.result();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode result = JSON.createObjectNode().put("intact", broken == null).put("entries", verifier.entries());
                if (broken == null) {
                    result.put("last_hash", Bytes.hex(verifier.lastHash()));
                } else {
                    result.put("broken_at", broken.sequence()).put("problem", broken.problem().word());
                }
                Terminal.print(out, result.toString());
            } else if (broken == null) {
                Terminal.print(out, "audit chain intact: " + verifier.entries() + " entries, last hash " + Bytes.hex(verifier.lastHash()));
            } else {
                Terminal.print(out, "audit chain broken at entry " + broken.sequence() + ": " + broken.problem().word());
            }
            return broken == null ? 0 : NorcCli.FAILURE;
        }
    }

    @Command(name = "roots", description = "List the daily root hashes (the entry_hash of each UTC day's last entry).")
    static final class Roots implements Callable<Integer> {
        @Mixin
        AdminCommand.AdminOptions options;

        @Option(names = "--json", description = "Print the roots as JSON.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ArrayNode list = JSON.createArrayNode();
            for (AdminClient.DayRoot root : options.client().auditRoots()) {
                if (json) {
                    list.addObject().put("day", root.day()).put("last_sequence", root.lastSequence()).put("root", root.root());
                } else {
                    Terminal.print(out, root.day() + "  last entry " + root.lastSequence() + "  root " + root.root());
                }
            }
            if (json) {
                Terminal.print(out, list.toString());
            }
            return 0;
        }
    }
}
