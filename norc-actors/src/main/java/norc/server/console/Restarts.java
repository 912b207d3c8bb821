package norc.server.console;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the node's supervisors did, for the console: restarts per actor path (the guardian's
 * restartable children report theirs through {@link RestartReporter}) and the latest events in
 * order. Thread-safe; holds actor paths and exception class names only, never a message.
 */
public final class Restarts {
    /** One supervision event: when (epoch ms), which actor, what happened ({@code restarted}, {@code killed}), and why. */
    public record Event(long at, String path, String what, String cause) {}

    private static final int RECENT = 50;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final java.util.Set<String> observed = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<Event> recent = new ArrayDeque<>();

    /** The actor at {@code path} reports its restarts (so the console may crash it to show one). */
    void observe(String path) {
        observed.add(path);
    }

    /** Whether the actor at {@code path} reports its restarts. */
    public boolean observed(String path) {
        return observed.contains(path);
    }

    /** The actor at {@code path} was restarted by its supervisor ({@code cause}: what it threw, or null if unknown). */
    public void restarted(String path, Throwable cause) {
        counts.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
        record(new Event(System.currentTimeMillis(), path, "restarted", cause == null ? "unknown" : cause.getClass().getName()));
    }

    /** A connection actor killed from the console: it stops (it is never restarted) and its socket closes. */
    public void killed(String path) {
        record(new Event(System.currentTimeMillis(), path, "killed", "org.apache.pekko.actor.ActorKilledException"));
    }

    private void record(Event event) {
        synchronized (recent) {
            recent.addLast(event);
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
        }
    }

    /** Restarts of the actor at {@code path} since the node started. */
    public long count(String path) {
        AtomicLong count = counts.get(path);
        return count == null ? 0 : count.get();
    }

    /** Restarts of every actor under {@code prefix} (e.g. one entity type's shard region). */
    public long countUnder(String prefix) {
        long total = 0;
        for (Map.Entry<String, AtomicLong> entry : counts.entrySet()) {
            if (entry.getKey().startsWith(prefix)) {
                total += entry.getValue().get();
            }
        }
        return total;
    }

    /** The latest restarts, oldest first. */
    public List<Event> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
