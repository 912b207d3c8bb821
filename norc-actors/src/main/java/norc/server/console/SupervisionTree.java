package norc.server.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorRefWithCell;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * This node's live supervision tree, as the console draws it: the user guardian's subtree (the
 * server's own {@code NorcGuardian} and everything under it) and the sharding subtree of the
 * system guardian, where the entities live. Large sets are counted, not listed: past 16, a
 * parent's anonymous children (the connection actors, per-request workers) become one node with
 * a count, and each shard region shows its shards and entities as counts. Names are what Pekko prints in
 * paths, already pseudonymous for entities (no entity is listed anyway).
 *
 * <p>It reads each actor's children the way Pekko's own path lookup does
 * ({@code ActorRefWithCell.children}, internal API), without sending a message, so it costs no
 * mailbox time and sees the tree as it is now.
 */
public final class SupervisionTree {
    /**
     * One actor, or ({@code count > 1}) a set of anonymous siblings; {@code restarts} since start;
     * {@code crashable}: the console may fail it to show its supervisor at work (it reports its
     * restarts, or it is a connection actor, which stops).
     */
    public record Node(String name, String path, int count, long restarts, boolean crashable, List<Node> children) {}

    /** Listing stops this deep; below, subtrees are counted. */
    private static final int MAX_DEPTH = 6;
    /** A parent's anonymous children are listed one by one up to this many, else counted as one node. */
    private static final int MAX_LISTED = 16;

    private SupervisionTree() {}

    public static Map<String, Object> snapshot(ActorSystem<?> system, Restarts restarts) {
        ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("user", node(classic.guardian(), "NorcGuardian (/user)", restarts, 0));
        ActorRef sharding = child(classic.systemGuardian(), "sharding");
        tree.put("sharding", sharding == null ? List.of() : regions(sharding, restarts));
        tree.put("restarts", restarts.recent());
        return tree;
    }

    private static Node node(ActorRef ref, String name, Restarts restarts, int depth) {
        String path = ref.path().toStringWithoutAddress();
        List<Node> children = new ArrayList<>();
        if (depth < MAX_DEPTH) {
            List<ActorRef> anonymous = new ArrayList<>();
            for (ActorRef child : children(ref)) {
                String childName = child.path().name();
                if (childName.startsWith("$")) { // spawnAnonymous (connections, per-request workers)
                    anonymous.add(child);
                } else {
                    children.add(node(child, childName, restarts, depth + 1));
                }
            }
            if (anonymous.size() > MAX_LISTED) {
                children.add(new Node("(anonymous)", path + "/$*", anonymous.size(), 0, false, List.of()));
            } else {
                anonymous.forEach(child -> children.add(node(child, child.path().name(), restarts, depth + 1)));
            }
        }
        children.sort(java.util.Comparator.comparing(Node::name));
        boolean crashable = restarts.observed(path) || path.startsWith("/user/connections/");
        return new Node(name, path, 1, restarts.count(path), crashable, children);
    }

    /** Each region (entity type): its shards and their entities, counted. */
    private static List<Map<String, Object>> regions(ActorRef sharding, Restarts restarts) {
        List<Map<String, Object>> regions = new ArrayList<>();
        for (ActorRef region : children(sharding)) {
            String name = region.path().name();
            if (name.endsWith("Coordinator") || name.equals("replicator")) { // sharding's own machinery
                continue;
            }
            int shards = 0;
            int entities = 0;
            for (ActorRef shard : children(region)) {
                shards++;
                entities += size(children(shard));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("type", name);
            r.put("shards", shards);
            r.put("entities", entities);
            r.put("restarts", restarts.countUnder(region.path().toStringWithoutAddress() + "/"));
            regions.add(r);
        }
        regions.sort(java.util.Comparator.comparing(r -> (String) r.get("type")));
        return regions;
    }

    private static ActorRef child(ActorRef parent, String name) {
        for (ActorRef child : children(parent)) {
            if (child.path().name().equals(name)) {
                return child;
            }
        }
        return null;
    }

    private static Iterable<ActorRef> children(ActorRef ref) {
        if (ref instanceof ActorRefWithCell cell) {
            return scala.jdk.javaapi.CollectionConverters.asJava(cell.children());
        }
        return List.of(); // a remote or virtual ref: nothing local under it
    }

    private static int size(Iterable<ActorRef> refs) {
        int n = 0;
        for (ActorRef ignored : refs) {
            n++;
        }
        return n;
    }
}
