package norc.server.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Samples what sharding and membership look like from this node, every {@code interval}, into
 * {@link ServerMetrics}: shards and entities per entity type hosted here ({@code norc_shards},
 * {@code norc_sharded_entities}) and cluster members by status ({@code norc_cluster_members}).
 * A small state machine of one state: on each tick it asks every region for its state (the
 * answers arrive as {@link RegionState}; one unanswered is skipped) and reads the membership the
 * node already knows.
 */
public final class ClusterGauges {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    private enum Tick implements Command { INSTANCE }

    private record RegionState(String entityType, ShardRegion.CurrentShardRegionState state) implements Command {}

    public static Behavior<Command> create(ServerMetrics metrics, List<EntityTypeKey<?>> types, Duration interval) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ZERO, interval);
            ClusterSharding sharding = ClusterSharding.get(context.getSystem());
            Cluster cluster = Cluster.get(context.getSystem());
            return Behaviors.receive(Command.class)
                    .onMessageEquals(Tick.INSTANCE, () -> {
                        for (EntityTypeKey<?> type : types) { // an ask each: one message adapter per class would mix them up
                            context.ask(ShardRegion.CurrentShardRegionState.class, sharding.shardState(), interval,
                                    replyTo -> new GetShardRegionState(type, replyTo),
                                    (state, failure) -> new RegionState(type.name(), state));
                        }
                        metrics.clusterMembers(byStatus(cluster.state()));
                        return Behaviors.same();
                    })
                    .onMessage(RegionState.class, region -> {
                        if (region.state() == null) {
                            return Behaviors.same(); // no answer within the interval: the next tick asks again
                        }
                        int entities = region.state().getShards().stream().mapToInt(shard -> shard.getEntityIds().size()).sum();
                        metrics.sharding(region.entityType(), region.state().getShards().size(), entities);
                        return Behaviors.same();
                    })
                    .build();
        }));
    }

    /** Every status Pekko knows, lowercase, 0 when none; {@code unreachable} counts reachability apart. */
    static Map<String, Integer> byStatus(ClusterEvent.CurrentClusterState state) {
        Map<String, Integer> counts = new TreeMap<>();
        for (MemberStatus status : List.of(MemberStatus.joining(), MemberStatus.weaklyUp(), MemberStatus.up(),
                MemberStatus.leaving(), MemberStatus.exiting(), MemberStatus.down(), MemberStatus.removed(),
                MemberStatus.shuttingDown(), MemberStatus.shutDown())) {
            counts.put(statusName(status), 0);
        }
        for (Member member : state.getMembers()) {
            counts.merge(statusName(member.status()), 1, Integer::sum);
        }
        counts.put("unreachable", state.getUnreachable().size());
        return counts;
    }

    /** {@code up}, {@code weakly_up}, {@code preparing_for_shutdown}, ...: a member status as metrics and the admin API name it. */
    public static String statusName(MemberStatus status) {
        String simple = status.getClass().getSimpleName().replace("$", "");
        StringBuilder snake = new StringBuilder();
        for (char c : simple.toCharArray()) {
            if (Character.isUpperCase(c) && snake.length() > 0) {
                snake.append('_');
            }
            snake.append(Character.toLowerCase(c));
        }
        return snake.toString();
    }

    private ClusterGauges() {}
}
