package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.connection.ConnectionSupervisor;
import norc.server.console.ConsoleCrash;
import norc.server.console.Restarts;
import norc.server.console.SupervisionTree;
import norc.server.metrics.ServerMetrics;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Kill;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The web console: its static page under {@code /console} (no token: it holds nothing; the page
 * asks for the admin token and sends it with every call it makes), and under {@code /admin}
 * {@code GET tree} (this node's live supervision tree, {@link SupervisionTree}) and
 * {@code POST console/crash} with {@code {"path": "/user/..."}} (fails an actor of the server's
 * own tree so that an operator or a student can watch its supervisor act: a guardian child
 * throws inside its supervisor and is restarted ({@link ConsoleCrash}); a connection actor is
 * sent Pekko's {@code Kill} and stops, its socket closed, as its supervisor intends; audited).
 */
final class ConsoleRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVENT_INTERVAL = Duration.ofSeconds(1);
    /** The page loads its own script and style only, and talks to this origin only. */
    private static final List<HttpHeader> PAGE_HEADERS = List.of(
            HttpHeader.parse("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
            HttpHeader.parse("X-Content-Type-Options", "nosniff"),
            HttpHeader.parse("Referrer-Policy", "no-referrer"));

    private ConsoleRoutes() {}

    static Route assets() {
        return pathPrefix("console", () -> respondWithHeaders(PAGE_HEADERS, () -> get(() -> concat(
                pathEndOrSingleSlash(() -> getFromResource("norc/console/index.html")),
                getFromResourceDirectory("norc/console")))));
    }

    static Route route(ActorSystem<?> system, Restarts restarts, AuditLog audit,
                       ActorRef<ConnectionSupervisor.Command> connections, ServerMetrics metrics) {
        return concat(
                path("tree", () -> get(() -> AdminEndpoint.json(StatusCodes.OK, SupervisionTree.snapshot(system, restarts)))),
                path(PathMatchers.segment("console").slash("events"), () -> get(() -> completeOK(
                        events(system, restarts, connections, metrics), EventStreamMarshalling.toEventStream()))),
                path(PathMatchers.segment("console").slash("crash"),
                        () -> post(() -> entity(Unmarshaller.entityToString(), body -> crash(system, restarts, audit, body)))));
    }

    /**
     * What the console draws, pushed once a second as server-sent events for as long as the page
     * listens: the tree, the node's connections, the members and the metrics overview.
     */
    private static Source<ServerSentEvent, NotUsed> events(ActorSystem<?> system, Restarts restarts,
                                                     ActorRef<ConnectionSupervisor.Command> connections, ServerMetrics metrics) {
        Cluster cluster = Cluster.get(system);
        return Source.tick(Duration.ZERO, EVENT_INTERVAL, "tick")
                .mapAsync(1, tick -> AskPattern.ask(connections, ConnectionSupervisor.GetStats::new, EVENT_INTERVAL.multipliedBy(5),
                        system.scheduler()))
                .map(stats -> {
                    Map<String, Object> event = new LinkedHashMap<>();
                    event.put("at", System.currentTimeMillis());
                    event.put("tree", SupervisionTree.snapshot(system, restarts));
                    event.put("connections", Map.of("connections", stats.connections(), "authenticated", stats.authenticated()));
                    event.put("members", ClusterRoutes.members(cluster));
                    event.put("overview", metrics.overview());
                    return ServerSentEvent.create(JSON.writeValueAsString(event));
                })
                .mapMaterializedValue(ticks -> NotUsed.getInstance()); // the stream ends when the page goes
    }

    private static Route crash(ActorSystem<?> system, Restarts restarts, AuditLog audit, String body) {
        String path;
        try {
            JsonNode node = JSON.readTree(body);
            path = node == null ? "" : node.path("path").asText("");
        } catch (JsonProcessingException e) {
            path = "";
        }
        if (!path.matches("/user(/[A-Za-z0-9$_-]+)+")) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "path must name an actor under /user");
        }
        // a connection actor is temporary (it stops, its socket closes); the others are restarted by their supervisor
        boolean connection = path.startsWith("/user/connections/");
        Adapter.toClassic(system).actorSelection(path).tell(connection ? Kill.getInstance() : ConsoleCrash.INSTANCE, org.apache.pekko.actor.ActorRef.noSender());
        if (connection) {
            restarts.killed(path);
        }
        audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "console.crash").with("via", "admin-api")
                .with("actor", path));
        return AdminEndpoint.json(StatusCodes.ACCEPTED, Map.of("path", path, "sent", connection ? "kill" : "crash"));
    }
}
