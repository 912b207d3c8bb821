package norc.server.federation;

import com.typesafe.config.ConfigFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.device.TokenBucket;
import norc.server.federation.FederationWire.Answer;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * The NORC-F endpoint (federation profile §1, §2): HTTP/2 over mutual TLS 1.3 on port 8843.
 * {@code POST /norc-f} carries one NORC message per request ({@link InboundRequests} answers it);
 * {@code GET /.well-known/norc-server} serves this server's signed {@code server_info} to anyone
 * with a client certificate, 60 per minute per source address. Wrong path 404, method 405, content
 * type 415, authority 421, all with empty bodies.
 */
public final class FederationEndpoint {
    static final String PATH = "/norc-f";
    static final String WELL_KNOWN = "/.well-known/norc-server";
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(30);
    private static final int INFO_PER_MINUTE = 60;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FederationEndpoint.class);

    private final FederationContext federation;
    private final InboundRequests requests;
    private final Materializer materializer;
    private final Set<String> authorities = new HashSet<>();
    private final ConcurrentHashMap<String, TokenBucket> infoBudgets = new ConcurrentHashMap<>();

    private FederationEndpoint(FederationContext federation, ServerSettings settings, ActorSystem<?> system,
                               ShardedEntities entities) {
        this.federation = federation;
        this.requests = new InboundRequests(federation, settings, system, entities);
        this.materializer = Materializer.matFromSystem(system);
        authorities.add(settings.serverId());
        federation.settings().advertised().forEach(a -> authorities.add(a.host().toLowerCase(Locale.ROOT)));
    }

    /** Binds the endpoint; completes with the binding (its port is the one {@code server_info} advertises when none is configured). */
    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, ServerSettings settings, FederationContext federation,
                                                      ShardedEntities entities) {
        FederationEndpoint endpoint = new FederationEndpoint(federation, settings, system, entities);
        var serverSettings = org.apache.pekko.http.javadsl.settings.ServerSettings.create(ConfigFactory.parseString("""
                        pekko.http.server.enable-http2 = on
                        pekko.http.server.parsing.ssl-session-attribute = on
                        pekko.http.server.remote-address-attribute = on
                        pekko.http.server.idle-timeout = 15 min
                        pekko.http.server.http2.max-concurrent-streams = 256
                        """).withFallback(system.settings().config()));
        return Http.get(system).newServerAt(federation.settings().host(), federation.settings().port())
                .enableHttps(ConnectionContext.httpsServer(federation.tls()::serverEngine))
                .withSettings(serverSettings)
                .bind(endpoint::handle)
                .thenApply(binding -> {
                    federation.own().bound(binding.localAddress().getPort());
                    return binding;
                });
    }

    private CompletionStage<HttpResponse> handle(HttpRequest request) {
        String path = request.getUri().path();
        if (WELL_KNOWN.equals(path)) {
            return request.method() == HttpMethods.GET ? serverInfo(request) : empty(405);
        }
        if (!PATH.equals(path)) {
            return empty(404);
        }
        if (request.method() != HttpMethods.POST) {
            return empty(405);
        }
        String contentType = request.entity().getContentType().mediaType().toString().toLowerCase(Locale.ROOT);
        Codec codec = FederationWire.codec(contentType, federation.settings().maxMessageSize());
        if (codec == null) {
            return empty(415);
        }
        String authority = request.getUri().host().address().toLowerCase(Locale.ROOT);
        if (!authorities.contains(authority)) {
            return empty(421);
        }
        List<X509Certificate> chain = clientChain(request);
        X509Certificate client = chain.isEmpty() ? null : chain.get(0);
        if (client == null) {
            return empty(403);
        }
        long max = federation.settings().maxMessageSize();
        // at most max + 1 bytes kept, the rest drained and counted: cancelling the body would reset the HTTP/2 stream
        // and lose the answer. A JSON body is parsed first, so one too large is 3007 at once; a binary one goes through
        // the link, grant and budget checks first (clarification 3), with what was kept and its full size.
        boolean json = codec.encoding() == WireEncoding.JSON;
        return request.entity().withoutSizeLimit().getDataBytes().completionTimeout(BODY_TIMEOUT)
                .runFold(new Body(ByteString.emptyByteString(), 0), (body, chunk) -> body.with(chunk, max), materializer)
                .thenCompose(body -> json && body.size() > max ? CompletableFuture.completedFuture(Answer.error(ErrorCode.LIMIT_EXCEEDED))
                        : requests.handle(new InboundRequests.Request(contentType, body.kept().toArray(), body.size(), client, chain)))
                .exceptionally(FederationEndpoint::refusal)
                .thenApply(answer -> respond(answer, codec, contentType));
    }

    /** What is kept of a request body (at most {@code max + 1} bytes) and how long it was. */
    private record Body(ByteString kept, long size) {
        Body with(ByteString chunk, long max) {
            ByteString more = kept.size() > max ? kept : kept.concat(chunk.take((int) Math.min(chunk.size(), max + 1 - kept.size())));
            return new Body(more, size + chunk.size());
        }
    }

    private static Answer refusal(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : error;
        if (cause instanceof NorcException norc) {
            return Answer.error(norc.code());
        }
        if (cause instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
            return Answer.error(ErrorCode.LIMIT_EXCEEDED);
        }
        LOG.warn("NORC-F request failed inside this server: {}", cause.toString(), cause);
        return Answer.error(ErrorCode.UNAVAILABLE, 1, null);
    }

    private static HttpResponse respond(Answer answer, Codec codec, String contentType) {
        HttpResponse response = HttpResponse.create().withStatus(answer.status());
        if (answer.retryAfter() > 0) {
            response = response.addHeader(RawHeader.create("retry-after", Long.toString(answer.retryAfter())));
        }
        if (answer.body() == null) {
            return response;
        }
        return response.withEntity(HttpEntities.create(
                FederationWire.JSON.equals(contentType) ? ContentTypes.create(MediaTypes.applicationWithFixedCharset("norc+json",
                        org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8)) : ContentTypes.create(
                        MediaTypes.customBinary("application", "norc", false)),
                codec.encodeMessage(answer.body())));
    }

    private CompletionStage<HttpResponse> serverInfo(HttpRequest request) {
        String source = request.getAttribute(AttributeKeys.remoteAddress)
                .flatMap(a -> a.getAddress()).map(java.net.InetAddress::getHostAddress).orElse("?");
        TokenBucket bucket = infoBudgets.computeIfAbsent(source, s -> new TokenBucket(INFO_PER_MINUTE, INFO_PER_MINUTE, System.nanoTime()));
        long wait;
        synchronized (bucket) {
            wait = bucket.take(System.nanoTime());
        }
        if (wait > 0) {
            return empty(429);
        }
        boolean json = request.getHeader("accept").map(h -> h.value().contains(FederationWire.JSON)).orElse(false);
        String type = json ? FederationWire.JSON : FederationWire.BINARY;
        HttpResponse response = respond(Answer.ok(federation.own().get()), FederationWire.codec(type, Integer.MAX_VALUE), type)
                .addHeader(CacheControl.create(CacheDirectives.MAX_AGE(3600)));
        return CompletableFuture.completedFuture(response);
    }

    /** The certificates the TLS client presented, leaf first (empty: none). */
    private static List<X509Certificate> clientChain(HttpRequest request) {
        return request.getAttribute(AttributeKeys.sslSession).map(info -> {
            try {
                List<X509Certificate> chain = new java.util.ArrayList<>();
                for (var c : info.getSession().getPeerCertificates()) {
                    if (c instanceof X509Certificate x) {
                        chain.add(x);
                    }
                }
                return List.copyOf(chain);
            } catch (SSLPeerUnverifiedException e) {
                return List.<X509Certificate>of();
            }
        }).orElse(List.of());
    }

    private static CompletionStage<HttpResponse> empty(int status) {
        return CompletableFuture.completedFuture(HttpResponse.create().withStatus(status));
    }
}
