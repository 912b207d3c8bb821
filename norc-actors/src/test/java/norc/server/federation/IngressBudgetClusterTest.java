package norc.server.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import norc.server.ClusterFormation;
import norc.server.NorcConfig;
import norc.server.it.TestServer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;

/**
 * The per-peer ingress budget holds for the cluster, not per node: two cluster nodes (separate
 * actor systems, every message serialized) admit a peer's requests alternately, and together they
 * admit one budget (plus at most one unused share each and what refills meanwhile), where
 * per-node budgets would have admitted two.
 */
class IngressBudgetClusterTest {
    private static final int PER_MINUTE = 100;

    @Test
    void twoNodesTogetherAdmitOneBudget() throws Exception {
        int seedPort = freePort();
        ActorSystem<Void> one = node(seedPort, seedPort);
        ActorSystem<Void> two = node(freePort(), seedPort);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.upMembers(one) == 2 && TestServer.upMembers(two) == 2);
            FederationSettings.Ingress limits = new FederationSettings.Ingress(PER_MINUTE, 1_000_000_000L);
            IngressAllowance.init(one, limits);
            IngressAllowance.init(two, limits);
            List<IngressBudget> budgets = List.of(new IngressBudget(ClusterSharding.get(one), limits),
                    new IngressBudget(ClusterSharding.get(two), limits));

            long started = System.nanoTime();
            int admitted = 0;
            int[] refusals = new int[2];
            for (int i = 0; i < 400 && (refusals[0] < 3 || refusals[1] < 3); i++) {
                long wait = budgets.get(i % 2).take("peer.example", 100).toCompletableFuture().get(10, TimeUnit.SECONDS);
                if (wait == 0) {
                    admitted++;
                } else {
                    assertThat(wait).isGreaterThanOrEqualTo(1);
                    refusals[i % 2]++;
                }
            }
            double minutes = (System.nanoTime() - started) / 60e9;
            long share = PER_MINUTE / IngressBudget.SHARES;
            assertThat(refusals[0]).as("node one refuses once the cluster's budget is spent").isPositive();
            assertThat(refusals[1]).as("node two too").isPositive();
            assertThat(admitted).as("one budget for both nodes").isBetween(PER_MINUTE - 1,
                    (int) (PER_MINUTE + 2 * share + Math.ceil(minutes * PER_MINUTE) + 1));
        } finally {
            two.terminate();
            one.terminate();
            two.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            one.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static ActorSystem<Void> node(int port, int seedPort) {
        Config config = ConfigFactory.parseString("""
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = %d
                pekko.cluster.seed-nodes = ["pekko://%s@127.0.0.1:%d"]
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                pekko.actor.serialize-messages = on
                # both nodes stop together: no graceful hand-over worth waiting for
                pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 1s
                pekko.coordinated-shutdown.phases.cluster-leave.timeout = 1s
                pekko.coordinated-shutdown.phases.cluster-exiting.timeout = 1s
                """.formatted(port, ClusterFormation.SYSTEM_NAME, seedPort)).withFallback(NorcConfig.load(ConfigFactory.empty()));
        return ActorSystem.create(Behaviors.empty(), ClusterFormation.SYSTEM_NAME, config);
    }


    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
