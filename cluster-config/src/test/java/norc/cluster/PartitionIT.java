package norc.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2|1 network partition of three real nodes under chat load: packets between node 3's remoting
 * address and the others' are dropped (iptables). The Split Brain Resolver keeps the majority;
 * node 3 downs itself and exits, so the minority stops serving; its devices reconnect to the
 * majority. No entity is alive twice: the journal's primary key would refuse a second writer for
 * one persistence id, and no node logged such a conflict. After the partition heals node 3
 * starts again and rejoins, and the total-queue check of the whole run holds.
 */
class PartitionIT {
    @TempDir
    Path dir;

    @Test
    void theMinorityStopsServingAndNothingIsLostOrWrittenTwice() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir.resolve("cluster"), Map.of("LOCAL_CLUSTER_DISTINCT_ADDRESSES", "1"));
             Firewall firewall = new Firewall()) {
            cluster.up(3);
            try (ChatLoad chat = ChatLoad.start(cluster, ClusterIT.runDir("partition"), 30, 60, Duration.ofSeconds(70), 1, 2, 3)) {
                chat.awaitMeasuring();
                Thread.sleep(10_000);
                firewall.partition(List.of("127.0.0.2", "127.0.0.3"), List.of("127.0.0.4"));
                long cutAt = System.nanoTime();
                // the minority side downs itself and its process exits
                while (cluster.status().path("nodes").get(2).path("running").asBoolean()) {
                    assertThat(Duration.ofNanos(System.nanoTime() - cutAt)).as("node 3 still runs").isLessThan(Duration.ofSeconds(60));
                    Thread.sleep(500);
                }
                long exitedAfter = Duration.ofNanos(System.nanoTime() - cutAt).toSeconds();
                assertThat(cluster.upMembers()).containsExactlyInAnyOrder("pekko://norc@127.0.0.2:25520", "pekko://norc@127.0.0.3:25521");
                Thread.sleep(5_000);
                firewall.heal();
                cluster.start(3);
                JsonNode report = chat.report();
                JsonNode queue = report.path("queue");
                System.out.println("partition 2|1: minority exited after " + exitedAfter + " s; queue " + queue);
                assertThat(queue.path("sent_accepted").asLong()).isPositive();
                assertThat(queue.path("lost").asLong()).isZero();
                assertThat(queue.path("unexpected").asLong()).isZero();
                assertThat(queue.path("duplicates_shown").asLong()).isZero();
                assertThat(report.path("totals").path("reconnects").asLong()).isPositive();
            }
            assertThat(cluster.upMembers()).hasSize(3);
            for (int node = 1; node <= 3; node++) {
                String log = Files.readString(cluster.log(node));
                // a second live writer of one persistence id would hit the journal's primary key
                assertThat(log).as("node " + node + " log").doesNotContain("duplicate key value violates unique constraint")
                        .doesNotContain("Failed to persist event");
            }
        }
    }
}
