package norc.server.http;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import norc.persistence.JournalDatabase;
import norc.server.ServerSettings;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Whether this node should get traffic ({@code GET /ready}, for load balancers and Kubernetes):
 * its cluster member is Up and the journal database answers a fresh connection within
 * {@code TIMEOUT}. Checked on each request, on Pekko's blocking dispatcher (JDBC blocks), so the
 * answer is the truth of that moment, not a cached one.
 */
final class Readiness {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** What was checked; {@code ready} only if every check passed. */
    record Report(boolean ready, Map<String, String> checks) {}

    private final ActorSystem<?> system;
    private final JournalDatabase database;
    private final Executor blocking;

    Readiness(ActorSystem<?> system, ServerSettings.Database database) {
        this.system = system;
        this.database = JournalDatabase.of(database.url(), database.user(), database.password()); // H2's default user resolved
        this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    }

    CompletionStage<Report> check() {
        MemberStatus status = Cluster.get(system).selfMember().status();
        boolean up = status == MemberStatus.up();
        return CompletableFuture.supplyAsync(this::journalAnswers, blocking)
                .completeOnTimeout(false, TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS)
                .thenApply(journal -> {
                    Map<String, String> checks = new LinkedHashMap<>();
                    checks.put("cluster_member", status.toString());
                    checks.put("journal", journal ? "ok" : "unreachable");
                    return new Report(up && journal, checks);
                });
    }

    private boolean journalAnswers() {
        try (Connection connection = DriverManager.getConnection(database.url(), database.user(), database.password())) {
            return connection.isValid((int) TIMEOUT.toSeconds());
        } catch (SQLException e) {
            return false; // the reason may carry the URL: not logged per probe
        }
    }
}
