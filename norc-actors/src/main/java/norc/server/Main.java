package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.slf4j.LoggerFactory;
import norc.crypto.Bytes;
import norc.federation.FederationSignatures;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code java -jar norc-server.jar}: starts one node from {@code reference.conf}, an optional
 * {@code application.conf}, {@code NORC_*} variables and, for any key at all, Typesafe Config's
 * {@code CONFIG_FORCE_<path>} variables (enabled here), e.g.
 * {@code CONFIG_FORCE_norc_limits_messages__per__minute=6000}. A wrong setting stops it with
 * exit status 2 and one sentence naming the key.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("config.override_with_env_vars", "true");
        ConfigFactory.invalidateCaches();
        NorcServer server;
        try {
            // a node the cluster downed (the minority of a partition) exits, so that its supervisor
            // (systemd, Kubernetes, local-cluster.sh) starts it afresh and it rejoins
            Config config = NorcConfig.load(ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = on"));
            server = NorcServer.start(config);
        } catch (IllegalArgumentException e) {
            System.err.println("norc-server: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("norc-server: " + e.getMessage());
            System.exit(1);
            return;
        }
        banner(server).forEach(jsonLogs() ? line -> LoggerFactory.getLogger(Main.class).info(line.strip()) : System.out::println);
        server.system().getWhenTerminated().toCompletableFuture().join();
    }

    /** With JSON logs (logback.xml) every line on stdout is JSON, the banner included: it is logged, not printed. */
    private static boolean jsonLogs() {
        return "json".equals(System.getProperty("NORC_LOG_FORMAT", System.getenv("NORC_LOG_FORMAT")));
    }

    /** Where the node listens and what clients pin. */
    private static List<String> banner(NorcServer server) {
        ServerSettings s = server.settings();
        String scheme = s.plainWebSocket() ? "ws" : "wss";
        List<String> lines = new java.util.ArrayList<>();
        lines.add(String.format("NORC server %s is up", s.serverId()));
        lines.add(String.format("  clients   %s://%s:%d/norc-c", scheme, s.clientInterface(), server.clientPort()));
        lines.add(String.format("  admin     http://%s:%d/admin", s.admin().host(), server.adminPort()));
        lines.add(String.format("  identity  %s (Ed25519; clients pin it)", Bytes.hex(server.identityPublicKey())));
        if (server.federationPort() != 0) {
            lines.add(String.format("  federation https://%s:%d/norc-f (NORC-F, mutual TLS; key id %s)", s.federation().host(),
                    server.federationPort(), FederationSignatures.keyId(server.identityPublicKey())));
        }
        if (!s.plainWebSocket() && s.tlsKeystore().isEmpty()) {
            lines.add(String.format("  TLS cert  %s (self-signed)", server.certificatePem()));
        }
        lines.add(String.format("  data      %s", s.dataDir()));
        List<String> seeds = server.system().settings().config().getStringList("pekko.cluster.seed-nodes");
        lines.add(String.format("  cluster   %s (seeds: %s)", Cluster.get(server.system()).selfMember().address(),
                seeds.isEmpty() ? "none, a cluster of one" : String.join(", ", seeds)));
        return lines;
    }
}
