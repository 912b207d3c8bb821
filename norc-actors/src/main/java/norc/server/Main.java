package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
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
        ServerSettings s = server.settings();
        String scheme = s.plainWebSocket() ? "ws" : "wss";
        System.out.printf("NORC server %s is up%n", s.serverId());
        System.out.printf("  clients   %s://%s:%d/norc-c%n", scheme, s.clientInterface(), server.clientPort());
        System.out.printf("  admin     http://%s:%d/admin%n", s.admin().host(), server.adminPort());
        System.out.printf("  identity  %s (Ed25519; clients pin it)%n", Bytes.hex(server.identityPublicKey()));
        if (server.federationPort() != 0) {
            System.out.printf("  federation https://%s:%d/norc-f (NORC-F, mutual TLS; key id %s)%n", s.federation().host(),
                    server.federationPort(), FederationSignatures.keyId(server.identityPublicKey()));
        }
        if (!s.plainWebSocket() && s.tlsKeystore().isEmpty()) {
            System.out.printf("  TLS cert  %s (self-signed)%n", server.certificatePem());
        }
        System.out.printf("  data      %s%n", s.dataDir());
        List<String> seeds = server.system().settings().config().getStringList("pekko.cluster.seed-nodes");
        System.out.printf("  cluster   %s (seeds: %s)%n", Cluster.get(server.system()).selfMember().address(),
                seeds.isEmpty() ? "none, a cluster of one" : String.join(", ", seeds));
        server.system().getWhenTerminated().toCompletableFuture().join();
    }
}
