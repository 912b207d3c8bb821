package norc.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts nodes of a local cluster apart with iptables: packets between their remoting addresses
 * (127.0.0.x, local-cluster.sh with distinct addresses) are dropped silently, in both directions,
 * as a network partition does. The rules live in a chain of their own, removed by {@link #heal}.
 * Clients and the database talk over 127.0.0.1 and are not affected. Needs root; iptables is
 * installed with apt when missing.
 */
final class Firewall implements AutoCloseable {
    private static final String CHAIN = "NORC_PARTITION";
    private boolean cut;

    Firewall() throws Exception {
        if (run("sh", "-c", "command -v iptables") != 0) {
            run("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null"
                    + " || (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null)");
        }
    }

    /** Drops every packet between a node of {@code side} and a node of {@code other} (by address). */
    void partition(List<String> side, List<String> other) throws Exception {
        heal();
        check(run("iptables", "-N", CHAIN));
        check(run("iptables", "-I", "INPUT", "-j", CHAIN));
        cut = true;
        for (String a : side) {
            for (String b : other) {
                check(run("iptables", "-A", CHAIN, "-s", a, "-d", b, "-j", "DROP"));
                check(run("iptables", "-A", CHAIN, "-s", b, "-d", a, "-j", "DROP"));
            }
        }
    }

    void heal() throws Exception {
        run("iptables", "-D", "INPUT", "-j", CHAIN);
        run("iptables", "-F", CHAIN);
        run("iptables", "-X", CHAIN);
        cut = false;
    }

    @Override
    public void close() throws Exception {
        if (cut) {
            heal();
        }
    }

    private static void check(int status) {
        if (status != 0) {
            throw new IllegalStateException("iptables failed with status " + status);
        }
    }

    private static int run(String... command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return -1;
        }
        if (process.exitValue() != 0 && !out.isBlank()) {
            System.err.println(String.join(" ", command) + ": " + out.strip());
        }
        return process.exitValue();
    }
}
