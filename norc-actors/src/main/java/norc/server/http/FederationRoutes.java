package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import norc.error.ErrorCode;
import norc.federation.FederationSignatures;
import norc.server.federation.Federation;
import norc.server.federation.FederationSettings;
import norc.server.federation.TrustExchange;
import norc.server.federation.TrustManager;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustReply;
import norc.server.federation.api.TrustSummary;
import norc.wire.message.Atoms.TrustLevel;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The operator's federation and trust routes under {@code /admin/federation} (federation profile
 * §2, §6): list and show peers (static and NORC-T), add a peer (admits its hellos), ask a peer for
 * a level, approve or reject a pending request, revoke (and deny) a peer, lift a deny. Who decided
 * is the body's {@code operator} (default {@code operator}) and goes into the peer's trust journal.
 */
final class FederationRoutes {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FederationRoutes() {}

    static Route route(ActorSystem<?> system, Federation federation) {
        ClusterSharding sharding = ClusterSharding.get(system);
        return pathPrefix("federation", () -> pathPrefix("peers", () -> concat(
                pathEnd(() -> concat(
                        get(() -> AdminEndpoint.json(StatusCodes.OK, Map.of("peers", list(federation)))),
                        post(() -> entity(Unmarshaller.entityToString(), body -> add(sharding, body))))),
                path(PathMatchers.segment(), peer -> get(() -> show(sharding, federation, peer))),
                path(PathMatchers.segment().slash("request"), peer -> post(() -> entity(Unmarshaller.entityToString(),
                        body -> request(system, federation, peer, body)))),
                path(PathMatchers.segment().slash("approve"), peer -> post(() -> entity(Unmarshaller.entityToString(),
                        body -> decide(sharding, peer, body, true)))),
                path(PathMatchers.segment().slash("reject"), peer -> post(() -> entity(Unmarshaller.entityToString(),
                        body -> decide(sharding, peer, body, false)))),
                path(PathMatchers.segment().slash("revoke"), peer -> post(() -> entity(Unmarshaller.entityToString(),
                        body -> revoke(sharding, federation, peer, body)))),
                path(PathMatchers.segment().slash("allow"), peer -> post(() -> entity(Unmarshaller.entityToString(),
                        body -> ask(sharding, peer, r -> new TrustCommand.LiftDeny(operator(body), r)))))
        )));
    }

    private static List<Map<String, Object>> list(Federation federation) {
        List<Map<String, Object>> peers = new ArrayList<>();
        for (FederationSettings.Peer p : federation.context().directory().peers()) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("server_id", p.serverId());
            view.put("source", "static");
            view.put("grant", level(p.level()));
            view.put("method", "manual");
            view.put("address", p.address() == null ? "" : p.address().toString());
            view.put("key_id", FederationSignatures.keyId(p.publicKey()));
            peers.add(view);
        }
        for (TrustSummary t : federation.context().directory().trust().all()) {
            if (federation.context().directory().peer(t.serverId()).isEmpty()) {
                peers.add(view(t));
            }
        }
        return peers;
    }

    static Map<String, Object> view(TrustSummary t) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("server_id", t.serverId());
        view.put("source", "trust");
        view.put("grant", level(t.grant()));
        view.put("method", t.method());
        view.put("decided_by", t.decidedBy());
        view.put("decided_at", t.decidedAt());
        view.put("asked", t.asked() == null ? "" : level(t.asked()));
        view.put("pending", t.pending() == null ? "" : level(t.pending()));
        view.put("deny", t.deny());
        view.put("address", t.address());
        view.put("key_id", t.pinnedKey() == null ? "" : FederationSignatures.keyId(t.pinnedKey()));
        view.put("journal_head", t.chainHead());
        return view;
    }

    private static Route show(ClusterSharding sharding, Federation federation, String peer) {
        return AdminEndpoint.answered(sharding.entityRefFor(TrustCommand.ENTITY_TYPE_KEY, peer)
                .<TrustReply>ask(TrustCommand.Get::new, TIMEOUT), reply -> {
                    TrustSummary t = ((TrustReply.Record) reply).summary();
                    if (!t.exists() && federation.context().directory().peer(peer).isEmpty()) {
                        return AdminEndpoint.error(StatusCodes.NOT_FOUND, "no such peer");
                    }
                    Map<String, Object> view = view(t);
                    federation.context().directory().serverInfo(peer).ifPresent(info ->
                            view.put("key_id_presented", FederationSignatures.keyId(info.publicKey())));
                    TrustReply.ChallengeView challenge = ((TrustReply.Record) reply).challenge();
                    if (challenge != null) {
                        view.put("challenge_method", challenge.method());
                        view.put("challenge_expires_at", challenge.expiresAt());
                    }
                    return AdminEndpoint.json(StatusCodes.OK, view);
                });
    }

    private static Route add(ClusterSharding sharding, String body) {
        JsonNode node = parse(body);
        String peer = node.path("server_id").asText("");
        if (!peer.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "server_id must be a lowercase domain name");
        }
        String address = node.path("address").asText("");
        return ask(sharding, peer, r -> new TrustCommand.Add(address, operator(body), r));
    }

    private static Route request(ActorSystem<?> system, Federation federation, String peer, String body) {
        JsonNode node = parse(body);
        TrustLevel level = parseLevel(node.path("level").asText("basic"));
        if (level == null || level == TrustLevel.UNTRUSTED) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "level must be basic, verified, classified or nato");
        }
        CompletionStage<TrustExchange.Result> result = AskPattern.ask(federation.trust(),
                r -> new TrustManager.RequestTrust(peer, level, node.path("address").asText(""), operator(body), r),
                EXCHANGE_TIMEOUT, system.scheduler());
        return AdminEndpoint.answered(result, r -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("server_id", peer);
            answer.put("outcome", r.outcome());
            if (r.code() != null) {
                answer.put("error", "the trust request ended with " + r.code().code() + " (" + r.code().genericMessage() + ")");
                answer.put("error_code", r.code().code());
            }
            return AdminEndpoint.json(r.code() == null ? StatusCodes.OK : StatusCodes.BAD_GATEWAY, answer);
        });
    }

    private static Route decide(ClusterSharding sharding, String peer, String body, boolean approve) {
        JsonNode node = parse(body);
        TrustLevel level = null;
        if (approve) {
            level = parseLevel(node.path("level").asText("basic"));
            if (level == null || level == TrustLevel.UNTRUSTED) {
                return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "level must be basic, verified, classified or nato");
            }
        }
        TrustLevel decided = level;
        return ask(sharding, peer, r -> new TrustCommand.Decide(decided, operator(body), r));
    }

    private static Route revoke(ClusterSharding sharding, Federation federation, String peer, String body) {
        String reason = parse(body).path("reason").asText("policy");
        if (!List.of("compromised", "policy", "request").contains(reason)) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "reason must be compromised, policy or request");
        }
        if (federation.context().directory().peer(peer).isPresent()) {
            return AdminEndpoint.error(StatusCodes.CONFLICT, "a static peer is removed from the configuration, not revoked");
        }
        CompletionStage<TrustReply> revoked = sharding.entityRefFor(TrustCommand.ENTITY_TYPE_KEY, peer)
                .<TrustReply>ask(r -> new TrustCommand.Revoke(reason, operator(body), r), TIMEOUT)
                .thenApply(reply -> {
                    // effective at once: queued relays fail, the peer hears trust_revoke (links were cut by the record's change)
                    Outboxes.tellAll(sharding, peer, new OutboxCommand.FailAll(ErrorCode.FEDERATION_REFUSED.code()));
                    federation.trust().tell(new TrustManager.SendRevoke(peer, reason));
                    return reply;
                });
        return AdminEndpoint.answered(revoked, FederationRoutes::answer);
    }

    private static Route ask(ClusterSharding sharding, String peer,
                             org.apache.pekko.japi.function.Function<org.apache.pekko.actor.typed.ActorRef<TrustReply>, TrustCommand> command) {
        return AdminEndpoint.answered(sharding.entityRefFor(TrustCommand.ENTITY_TYPE_KEY, peer).ask(command, TIMEOUT),
                FederationRoutes::answer);
    }

    private static Route answer(TrustReply reply) {
        if (reply instanceof TrustReply.Record record) {
            Map<String, Object> view = view(record.summary());
            view.put("outcome", record.outcome().name().toLowerCase(Locale.ROOT));
            return AdminEndpoint.json(StatusCodes.OK, view);
        }
        long code = ((TrustReply.Refused) reply).errorCode();
        return AdminEndpoint.json(StatusCodes.CONFLICT, Map.of("error", "refused", "error_code", code));
    }

    private static String operator(String body) {
        String name = parse(body).path("operator").asText("operator");
        return name.isBlank() || name.length() > 64 ? "operator" : name;
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : JSON.readTree(body);
            return node == null ? JSON.createObjectNode() : node;
        } catch (java.io.IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static TrustLevel parseLevel(String name) {
        for (TrustLevel level : TrustLevel.values()) {
            if (level.name().toLowerCase(Locale.ROOT).equals(name)) {
                return level;
            }
        }
        return null;
    }

    private static String level(TrustLevel level) {
        return level.name().toLowerCase(Locale.ROOT);
    }
}
