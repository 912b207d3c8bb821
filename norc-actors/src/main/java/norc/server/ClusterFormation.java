package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * How a node finds its cluster: the seed nodes from {@code norc.cluster.seed-nodes}
 * ({@code NORC_SEED_NODES}) become {@code pekko.cluster.seed-nodes}, and pekko-management serves
 * membership and health over HTTP once the actor system runs. With no seeds the guardian joins the
 * node to itself (a cluster of one).
 */
public final class ClusterFormation {
    /** The actor system's name: part of every node's address, the same on all nodes. */
    public static final String SYSTEM_NAME = "norc";

    private ClusterFormation() {}

    /** The configuration with {@code pekko.cluster.seed-nodes} set from {@code norc.cluster.seed-nodes}, if any are given. */
    public static Config withSeedNodes(Config config) {
        List<String> seeds = seedAddresses(config.getString("norc.cluster.seed-nodes"));
        if (seeds.isEmpty()) {
            return config;
        }
        return ConfigFactory.empty().withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
                .withFallback(config);
    }

    /** {@code host:port} or {@code pekko://norc@host:port}, comma-separated, to full addresses. */
    static List<String> seedAddresses(String list) {
        List<String> seeds = new ArrayList<>();
        for (String raw : list.split(",")) {
            String seed = raw.trim();
            if (seed.isEmpty()) {
                continue;
            }
            if (!seed.startsWith("pekko://")) {
                int colon = seed.lastIndexOf(':');
                if (colon <= 0 || colon == seed.length() - 1) {
                    throw new IllegalArgumentException("norc.cluster.seed-nodes: expected host:port, got " + seed);
                }
                seed = "pekko://" + SYSTEM_NAME + "@" + seed;
            } else if (!seed.startsWith("pekko://" + SYSTEM_NAME + "@")) {
                throw new IllegalArgumentException("norc.cluster.seed-nodes: a seed must be a node of system "
                        + SYSTEM_NAME + ": " + seed);
            }
            seeds.add(seed);
        }
        return seeds;
    }

    /** Starts the management HTTP endpoint (membership, /alive, /ready); it stops with the system. */
    public static void startManagement(ActorSystem<?> system) {
        PekkoManagement.get(system).start().toCompletableFuture().join();
    }
}
