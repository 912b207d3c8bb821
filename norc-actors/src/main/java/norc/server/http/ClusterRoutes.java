package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.metrics.ClusterGauges;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The operator's cluster routes under {@code /admin/cluster}: {@code GET members} (every member as
 * this node sees it: address, status, roles, reachable; and which is this node and the leader),
 * {@code GET shards} (per entity type, per node: shards and entities, from sharding's own
 * statistics), {@code POST leave} and {@code POST down} with {@code {"address": "pekko://norc@host:port"}}
 * (a graceful leave hands the node's shards off; down is for a node that is gone). Both are
 * audited ({@code admin.action}).
 */
final class ClusterRoutes {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterRoutes() {}

    static Route route(ActorSystem<?> system, List<EntityTypeKey<?>> types, AuditLog audit) {
        Cluster cluster = Cluster.get(system);
        return pathPrefix("cluster", () -> concat(
                path("members", () -> get(() -> AdminEndpoint.json(StatusCodes.OK, members(cluster)))),
                path("shards", () -> get(() -> shards(system, types))),
                path("leave", () -> post(() -> entity(Unmarshaller.entityToString(), body -> change(cluster, body, true, audit)))),
                path("down", () -> post(() -> entity(Unmarshaller.entityToString(), body -> change(cluster, body, false, audit))))));
    }

    static Map<String, Object> members(Cluster cluster) {
        ClusterEvent.CurrentClusterState state = cluster.state();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member member : state.getMembers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", member.address().toString());
            m.put("status", ClusterGauges.statusName(member.status()));
            m.put("roles", new ArrayList<>(new java.util.TreeSet<>(member.getRoles())));
            m.put("reachable", !state.getUnreachable().contains(member));
            members.add(m);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("self", cluster.selfMember().address().toString());
        answer.put("leader", state.getLeader() == null ? null : state.getLeader().toString());
        answer.put("members", members);
        return answer;
    }

    private static Route shards(ActorSystem<?> system, List<EntityTypeKey<?>> types) {
        ClusterSharding sharding = ClusterSharding.get(system);
        Map<String, CompletableFuture<ShardRegion.ClusterShardingStats>> asked = new LinkedHashMap<>();
        for (EntityTypeKey<?> type : types) {
            CompletionStage<ShardRegion.ClusterShardingStats> stats = AskPattern.ask(sharding.shardState(),
                    replyTo -> new GetClusterShardingStats(type, TIMEOUT, replyTo), TIMEOUT.plusSeconds(1), system.scheduler());
            asked.put(type.name(), stats.toCompletableFuture());
        }
        CompletionStage<Map<String, Object>> all = CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    Map<String, Object> byType = new LinkedHashMap<>();
                    asked.forEach((type, stats) -> byType.put(type, byNode(stats.join())));
                    return Map.of("types", byType);
                });
        return AdminEndpoint.answered(all, answer -> AdminEndpoint.json(StatusCodes.OK, answer));
    }

    private static Map<String, Object> byNode(ShardRegion.ClusterShardingStats stats) {
        Map<String, Object> nodes = new TreeMap<>();
        stats.getRegions().forEach((address, region) -> {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("shards", region.getStats().size());
            node.put("entities", region.getStats().values().stream().mapToInt(v -> ((Number) v).intValue()).sum());
            node.put("failed_shards", region.getFailed().size());
            nodes.put(address.toString(), node);
        });
        return nodes;
    }

    private static Route change(Cluster cluster, String body, boolean leave, AuditLog audit) {
        Optional<Address> address = address(body);
        if (address.isEmpty()) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "address must be a member's pekko://system@host:port");
        }
        boolean member = false;
        for (Member m : cluster.state().getMembers()) {
            member |= m.address().equals(address.get());
        }
        if (!member) {
            return AdminEndpoint.error(StatusCodes.NOT_FOUND, "no such member");
        }
        cluster.manager().tell(leave ? Leave.create(address.get()) : new Down(address.get()));
        audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", leave ? "cluster.leave" : "cluster.down")
                .with("via", "admin-api").with("member", address.get().toString()));
        return AdminEndpoint.json(StatusCodes.ACCEPTED, Map.of("address", address.get().toString(), "action", leave ? "leave" : "down"));
    }

    private static Optional<Address> address(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.path("address").isTextual()) {
                return Optional.empty();
            }
            Address address = AddressFromURIString.parse(node.path("address").asText());
            return address.hasGlobalScope() ? Optional.of(address) : Optional.empty();
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
