package norc.server.federation;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import norc.error.ErrorCode;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerInfo;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
import org.apache.pekko.http.javadsl.model.headers.Accept;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.MediaRanges;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One HTTP/2 connection from this server to a peer (federation profile §1): TLS 1.3 with this
 * server's certificate as client certificate, SNI = the peer's {@code server_id}, requests
 * multiplexed on the one connection, at most {@link #MAX_IN_FLIGHT} at once. A request without an
 * answer in 30 s fails as transient. Once the connection closes this client is done: its owner
 * ({@link PeerLink}) opens a new one, and sends a hello first.
 */
public final class PeerClient {
    static final int MAX_IN_FLIGHT = 256;
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final Codec BINARY_CODEC = WireEncoding.BINARY.codec(new WireLimits(64 * 1024 * 1024, 4096, 64 * 1024));
    private static final ContentType.Binary NORC = ContentTypes.create(
            org.apache.pekko.http.javadsl.model.MediaTypes.customBinary("application", "norc", false));

    /** A peer's answer: its status and decoded body (null when empty); {@code error} when the body was an {@code error}. */
    public record Response(int status, NorcMessage body, ErrorMessage error) {
        /** The error code a non-2xx answer carries; {@code 9001} when there is no decodable {@code error}. */
        public ErrorCode code() {
            if (error != null) {
                ErrorCode code = ErrorCode.ofCode(error.errorCode());
                return code == null ? ErrorCode.INTERNAL : code;
            }
            return ErrorCode.INTERNAL;
        }

        public long retryAfter() {
            return error == null ? 0 : error.retryAfter().orElse(0L);
        }
    }

    private final String serverId;
    private final BoundedSourceQueue<HttpRequest> queue;
    private final UniqueKillSwitch cut;
    private final CompletionStage<Done> closed;
    private final AtomicReference<X509Certificate> peerLeaf;
    private final Materializer materializer;
    private final Host authority;
    private final String base;

    private PeerClient(String serverId, Host authority, BoundedSourceQueue<HttpRequest> queue, UniqueKillSwitch cut,
                       CompletionStage<Done> closed, AtomicReference<X509Certificate> peerLeaf, Materializer materializer) {
        this.cut = cut;
        this.serverId = serverId;
        this.authority = authority;
        this.base = "https://" + authority.host().address() + (authority.port() == 0 ? "" : ":" + authority.port());
        this.queue = queue;
        this.closed = closed;
        this.peerLeaf = peerLeaf;
        this.materializer = materializer;
    }

    /** Opens (lazily: on the first request) a connection to {@code serverId} at {@code address}. */
    static PeerClient open(ActorSystem<?> system, FederationTls tls, String serverId, FederationSettings.Address address) {
        AtomicReference<X509Certificate> leaf = new AtomicReference<>();
        var flow = Http.get(system).connectionTo(address.host()).toPort(address.port())
                .withCustomHttpsConnectionContext(ConnectionContext.httpsClient(
                        (host, port) -> tls.clientEngine(serverId, host, port, leaf)))
                .http2();
        Materializer materializer = Materializer.matFromSystem(system);
        Pair<Pair<BoundedSourceQueue<HttpRequest>, UniqueKillSwitch>, CompletionStage<Done>> running =
                Source.<HttpRequest>queue(MAX_IN_FLIGHT)
                        .via(flow)
                        .viaMat(KillSwitches.single(), Keep.both())
                        .toMat(Sink.foreach(response -> response.getAttribute(ResponseFuture.KEY())
                                .ifPresent(promise -> promise.future().complete(response))), Keep.both())
                        .run(materializer);
        var authority = address.port() == 8843 ? Host.create(serverId)
                : Host.create(serverId, address.port());
        return new PeerClient(serverId, authority, running.first().first(), running.first().second(), running.second(), leaf,
                materializer);
    }

    /** Completes when the connection is gone (closed, failed, or never opened). */
    CompletionStage<Done> closed() {
        return closed;
    }

    boolean isClosed() {
        return closed.toCompletableFuture().isDone();
    }

    /** The certificate the peer presented, once the TLS handshake ran. */
    Optional<X509Certificate> peerCertificate() {
        return Optional.ofNullable(peerLeaf.get());
    }

    /** {@code POST /norc-f} with one message, binary. */
    CompletionStage<Response> post(NorcMessage message) {
        HttpRequest request = HttpRequest.POST(base + "/norc-f") // the URI's authority becomes :authority
                .addHeader(authority)
                .withEntity(HttpEntities.create(NORC, BINARY_CODEC.encodeMessage(message)));
        return send(request).thenCompose(this::read);
    }

    /** {@code GET /.well-known/norc-server}: the peer's {@code server_info}, or null when it answered otherwise. */
    CompletionStage<ServerInfo> serverInfo() {
        HttpRequest request = HttpRequest.GET(base + "/.well-known/norc-server")
                .addHeader(authority)
                .addHeader(Accept.create(MediaRanges.create(NORC.mediaType())));
        return send(request).thenCompose(this::read)
                .thenApply(r -> r.status() == 200 && r.body() instanceof ServerInfo info ? info : null);
    }

    private CompletionStage<HttpResponse> send(HttpRequest request) {
        CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
        QueueOfferResult offered = queue.offer(request.addAttribute(ResponseFuture.KEY(), new ResponseFuture(answer)));
        if (offered != QueueOfferResult.enqueued()) {
            answer.completeExceptionally(new IllegalStateException("connection to the peer is closed or busy"));
        }
        closed.whenComplete((done, error) -> answer.completeExceptionally(
                new IllegalStateException("connection to the peer closed")));
        return answer.orTimeout(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletionStage<Response> read(HttpResponse response) {
        int status = response.status().intValue();
        return response.entity().toStrict(ANSWER_TIMEOUT.toMillis(), materializer).thenApply(strict -> {
            ByteString data = strict.getData();
            if (data.isEmpty()) {
                return new Response(status, null, null);
            }
            String type = strict.getContentType().mediaType().toString();
            Codec codec = FederationWire.codec(type, 64L * 1024 * 1024);
            if (codec == null) {
                return new Response(status, null, null);
            }
            try {
                NorcMessage message = codec.decodeMessage(data.toArray());
                return message instanceof ErrorMessage error ? new Response(status, null, error) : new Response(status, message, null);
            } catch (RuntimeException e) {
                return new Response(status, null, null); // not a NORC answer: transient 9001
            }
        });
    }

    /** Closes the connection (the peer is revoked or this node stops). */
    /** Closes the connection once what is in flight is answered. */
    void close() {
        queue.complete();
    }

    /** Tears the connection down now, in flight or not (trust revoked: nothing more may cross it). */
    void cut() {
        cut.abort(new IllegalStateException("federation link cut"));
    }
}
