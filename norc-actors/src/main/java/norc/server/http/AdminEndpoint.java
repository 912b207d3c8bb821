package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.toStrictEntity;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.reject;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.UserIds;
import norc.server.audit.AuditEntries;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.connection.ConnectionSupervisor;
import norc.server.console.Restarts;
import norc.server.federation.Federation;
import norc.server.metrics.ServerMetrics;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The operator API (profile §2: a separate port, loopback only): create users, issue one-time
 * enrollment tokens, see connection counts, liveness ({@code /health}: the process answers),
 * readiness ({@code /ready}: cluster member Up and journal reachable) and metrics. Plain HTTP, so
 * the settings refuse any but a loopback address. Every request's {@code Host} must name loopback,
 * the bound address or an allowed host (else 421: no DNS rebinding from a browser); every
 * {@code /admin} request carries {@code Authorization: Bearer <token>} (else 401), the token read
 * from {@code norc.admin.token-file}; a request body must be {@code application/json} (else 415).
 * Liveness, readiness and metrics need no token: they hold no id. Answers are JSON; errors are
 * {@code {"error": "..."}}. The contract is the one {@code norc admin} (norc-client) speaks. Users created
 * and tokens issued are audited ({@code admin.action}); the audit log is read under
 * {@code /admin/audit} ({@link AuditRoutes}).
 */
public final class AdminEndpoint {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long OUTAGE_RETRY_AFTER_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminEndpoint() {}

    /** {@code federation}: null when federation is off (then {@code /admin/federation} is not served). */
    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, ServerSettings settings, String token,
                                                      ShardedEntities entities, ActorRef<ConnectionSupervisor.Command> connections,
                                                      ServerMetrics metrics, AuditLog audit, Federation federation,
                                                      Restarts restarts) {
        return Http.get(system).newServerAt(settings.admin().host(), settings.admin().port())
                .bind(route(system, settings, token, entities, connections, metrics, audit, federation, restarts));
    }

    static Route route(ActorSystem<?> system, ServerSettings settings, String token, ShardedEntities entities,
                       ActorRef<ConnectionSupervisor.Command> connections,
                       ServerMetrics metrics, AuditLog audit, Federation federation, Restarts restarts) {
        Readiness readiness = new Readiness(system, settings.database());
        Set<String> hosts = new HashSet<>(List.of("localhost", "127.0.0.1", "::1", settings.admin().host().toLowerCase(Locale.ROOT)));
        settings.admin().allowedHosts().forEach(h -> hosts.add(h.toLowerCase(Locale.ROOT)));
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.US_ASCII);
        // every body is read whole before any route answers: an answer sent before the body was read
        // makes pekko-http log the request's URI, which holds user and device ids (spec §6.3)
        return toStrictEntity(TIMEOUT, () -> extractRequest(request -> {
            if (!hosts.contains(hostOf(request))) {
                return error(StatusCodes.MISDIRECTED_REQUEST, "host not served here");
            }
            if (request.method() == HttpMethods.POST && !request.entity().isKnownEmpty()
                    && !request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                return error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
            }
            boolean authorized = request.getHeader("Authorization").map(HttpHeader::value)
                    .map(v -> MessageDigest.isEqual(v.getBytes(StandardCharsets.US_ASCII), expected)).orElse(false);
            return routes(system, settings, authorized, entities, readiness, connections, metrics, audit, federation, restarts);
        }));
    }

    /** The {@code Host} header's name without its port, lower case; empty when there is none. */
    static String hostOf(HttpRequest request) {
        String host = request.getHeader("Host").map(HttpHeader::value).orElse("").trim().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(1, end);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static Route unauthorized() {
        return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("norc-admin")),
                () -> error(StatusCodes.UNAUTHORIZED, "a bearer token is required (norc.admin.token-file)"));
    }

    private static Route routes(ActorSystem<?> system, ServerSettings settings, boolean authorized, ShardedEntities entities,
                                Readiness readiness, ActorRef<ConnectionSupervisor.Command> connections,
                                ServerMetrics metrics, AuditLog audit, Federation federation, Restarts restarts) {
        return concat(
                ConsoleRoutes.assets(),
                path("health", () -> get(() -> json(StatusCodes.OK, Map.of("status", "ok")))),
                path("ready", () -> get(() -> onSuccess(readiness.check(), report -> json(
                        report.ready() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                        Map.of("ready", report.ready(), "checks", report.checks()))))),
                path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(
                        HttpEntities.create(ContentTypes.parse(metrics.contentType()), metrics.scrape()))))),
                pathPrefix("admin", () -> !authorized ? unauthorized() : concat(
                        path("users", () -> post(() -> entity(Unmarshaller.entityToString(),
                                body -> createUser(entities, settings, audit, body)))),
                        path(PathMatchers.segment("users").slash(PathMatchers.segment()).slash("enrollment-tokens"),
                                userId -> post(() -> issueToken(entities, settings, audit, userId))),
                        path(PathMatchers.segment("users").slash(PathMatchers.segment()).slash("disable"),
                                userId -> post(() -> setDisabled(entities, settings, userId, true))),
                        path(PathMatchers.segment("users").slash(PathMatchers.segment()).slash("enable"),
                                userId -> post(() -> setDisabled(entities, settings, userId, false))),
                        path("connections", () -> get(() -> connectionStats(system, connections))),
                        DeviceRoutes.route(settings, entities, audit),
                        ConsoleRoutes.route(system, restarts, audit, connections, metrics),
                        ClusterRoutes.route(system, ShardedEntities.entityTypes(federation != null), audit),
                        AuditRoutes.route(AuditEntries.of(system)),
                        federation == null ? reject() : FederationRoutes.route(system, federation)))
        );
    }

    private static Route createUser(ShardedEntities entities, ServerSettings settings, AuditLog audit, String body) {
        String userId;
        try {
            JsonNode node = JSON.readTree(body);
            userId = node == null || !node.path("user_id").isTextual() ? null : node.path("user_id").asText();
        } catch (JsonProcessingException e) {
            userId = null;
        }
        if (userId == null || !UserIds.isLocal(userId, settings.serverId())) {
            return error(StatusCodes.BAD_REQUEST, "user_id must be local@" + settings.serverId());
        }
        String id = userId;
        CompletionStage<UserReply.CreateResult> created = entities.user(id)
                .ask(UserCommand.Create::new, TIMEOUT);
        return answered(created, result -> {
            if (result != UserReply.CreateResult.CREATED) {
                return error(StatusCodes.CONFLICT, "user exists");
            }
            audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "user.created").with("via", "admin-api").user(id));
            return json(StatusCodes.CREATED, Map.of("user_id", id));
        });
    }

    private static Route issueToken(ShardedEntities entities, ServerSettings settings, AuditLog audit, String userId) {
        if (!UserIds.isLocal(userId, settings.serverId())) {
            return error(StatusCodes.BAD_REQUEST, "user_id must be local@" + settings.serverId());
        }
        long expiresAt = Instant.now().plus(settings.admin().tokenTtl()).getEpochSecond();
        CompletionStage<UserReply.TokenReply> issued = entities.user(userId)
                .ask(replyTo -> new UserCommand.IssueToken(expiresAt, replyTo), TIMEOUT);
        return answered(issued, result -> {
            if (result instanceof UserReply.TokenIssued token) {
                audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "enrollment-token.issued")
                        .with("via", "admin-api").user(userId));
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("token", token.token());
                answer.put("expires_at", token.expiresAt());
                return json(StatusCodes.CREATED, answer);
            }
            return error(StatusCodes.NOT_FOUND, "no such user");
        });
    }

    /** 200 {@code {"user_id", "disabled"}} (also when it already was), 404 for a user never created. */
    private static Route setDisabled(ShardedEntities entities, ServerSettings settings, String userId, boolean disabled) {
        if (!UserIds.isLocal(userId, settings.serverId())) {
            return error(StatusCodes.BAD_REQUEST, "user_id must be local@" + settings.serverId());
        }
        CompletionStage<UserReply.DisableResult> result = entities.user(userId)
                .ask(replyTo -> new UserCommand.SetDisabled(disabled, replyTo), TIMEOUT);
        return answered(result, answer -> answer == UserReply.DisableResult.NO_SUCH_USER
                ? error(StatusCodes.NOT_FOUND, "no such user")
                : json(StatusCodes.OK, Map.of("user_id", userId, "disabled", disabled)));
    }

    private static Route connectionStats(ActorSystem<?> system, ActorRef<ConnectionSupervisor.Command> connections) {
        CompletionStage<ConnectionSupervisor.Stats> stats = AskPattern.ask(connections, ConnectionSupervisor.GetStats::new,
                TIMEOUT, system.scheduler());
        return answered(stats, s -> json(StatusCodes.OK, Map.of("connections", s.connections(), "authenticated", s.authenticated())));
    }

    /**
     * The route for an entity's (or the supervisor's) answer; when none came in time (the journal
     * behind the entity is away or slow) the answer is 503 with {@code Retry-After}, not 500: the
     * request was sound and may be repeated.
     */
    static <T> Route answered(CompletionStage<T> answer, Function<T, Route> route) {
        return onComplete(answer, done -> done.isSuccess() ? route.apply(done.get())
                : respondWithHeader(RetryAfter.create(OUTAGE_RETRY_AFTER_SECONDS),
                        () -> error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable, retry later")));
    }

    static Route error(StatusCode status, String message) {
        return json(status, Map.of("error", message));
    }

    /** {@code body}: a map or list of JSON values. */
    static Route json(StatusCode status, Object body) {
        try {
            return complete(HttpResponse.create().withStatus(status)
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(body))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
