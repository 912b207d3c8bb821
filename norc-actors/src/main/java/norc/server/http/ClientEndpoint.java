package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.attribute;
import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.TLSProtocol.SslTlsInbound;
import org.apache.pekko.stream.TLSProtocol.SslTlsOutbound;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.TLS;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import norc.server.ServerSettings;
import norc.server.connection.ConnectionActor;
import norc.server.connection.ConnectionSupervisor;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The NORC-C endpoint on pekko-http ({@code norc.client.transport = pekko}; Netty's is the default),
 * {@code wss://host:8443/norc-c} (profile §2): TLS 1.3 only (plain {@code ws://}
 * only when configured, and then only on loopback), subprotocols {@code norc-c-v1} and
 * {@code norc-c-json-v1}. Each accepted upgrade gets a {@link ConnectionActor} from the
 * {@link ConnectionSupervisor}.
 */
public final class ClientEndpoint {
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(5);

    private ClientEndpoint() {}

    /**
     * Binds the endpoint. The stack is assembled here rather than by {@code Http.newServerAt}, to put
     * one stage under TLS that pekko-http lacks: an idle timeout on <em>inbound</em> bytes only.
     * The server pings every {@code ping-interval} (pekko-http's keep-alive); a live client's pongs
     * are inbound bytes, so only a peer that has said nothing at all, not even a pong, for
     * {@code idle-timeout} is closed (profile §2). pekko-http's own idle timeout counts outbound
     * bytes too, so its pings would keep a dead peer open forever.
     */
    public static CompletionStage<InetSocketAddress> bind(ActorSystem<?> system, ServerSettings settings, SSLContext tls,
                                                          ActorRef<ConnectionSupervisor.Command> supervisor) {
        Materializer materializer = Materializer.matFromSystem(system);
        org.apache.pekko.http.javadsl.settings.ServerSettings http =
                org.apache.pekko.http.javadsl.settings.ServerSettings.create(Adapter.toClassic(system));
        Route route = route(system, settings, supervisor);
        ExceptionHandler failures = ExceptionHandler.newBuilder()
                .matchAny(e -> {
                    system.log().error("NORC-C upgrade failed: {}", e.toString());
                    return complete(StatusCodes.INTERNAL_SERVER_ERROR);
                }).build();
        Flow<HttpRequest, HttpResponse, NotUsed> handler = Directives.handleExceptions(failures, () -> route).flow(system);
        int maxConnections = http.getMaxConnections();
        CompletionStage<Tcp.ServerBinding> bound = Tcp.get(system)
                .bind(settings.clientInterface(), settings.clientPort(), http.getBacklog(), List.of(), false, Optional.empty())
                .mapAsyncUnordered(maxConnections, connection -> connection.handleWith(
                        connectionFlow(system, http, settings, tls, connection.remoteAddress(), handler), materializer)
                        .handle((done, error) -> Done.getInstance()))
                .to(Sink.ignore())
                .run(materializer);
        return bound.thenApply(binding -> {
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "norc-c-unbind",
                    () -> binding.unbind().thenApply(ignored -> Done.getInstance()));
            return binding.localAddress();
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Flow<ByteString, ByteString, CompletionStage<Done>> connectionFlow(
            ActorSystem<?> system, org.apache.pekko.http.javadsl.settings.ServerSettings http, ServerSettings settings,
            SSLContext tls, InetSocketAddress remote, Flow<HttpRequest, HttpResponse, NotUsed> handler) {
        BidiFlow<SslTlsOutbound, ByteString, ByteString, SslTlsInbound, NotUsed> security = settings.plainWebSocket()
                ? (BidiFlow) TLSPlacebo.getInstance()
                : TLS.create(() -> tls13Engine(tls), TLSClosing.eagerClose());
        BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> inboundIdle = BidiFlow.fromFlows(
                Flow.<ByteString>create(), Flow.<ByteString>create().idleTimeout(settings.idleTimeout()));
        return handler.join(Http.get(system).serverLayer(http, Optional.of(remote), system.classicSystem().log())
                        .atop(security)
                        .atop(inboundIdle))
                .watchTermination(Keep.right());
    }

    static Route route(ActorSystem<?> system, ServerSettings settings, ActorRef<ConnectionSupervisor.Command> supervisor) {
        Materializer materializer = Materializer.matFromSystem(system);
        return path("norc-c", () -> attribute(AttributeKeys.webSocketUpgrade, upgrade ->
                attribute(AttributeKeys.remoteAddress, remote -> {
                    Optional<WireEncoding> encoding = InboundFrame.chooseSubprotocol(
                            java.util.stream.StreamSupport.stream(upgrade.getRequestedProtocols().spliterator(), false).toList());
                    if (encoding.isEmpty()) {
                        return complete(StatusCodes.BAD_REQUEST, "offer the subprotocol norc-c-v1 or norc-c-json-v1");
                    }
                    InetAddress address = remote.getAddress().orElse(InetAddress.getLoopbackAddress());
                    WireEncoding chosen = encoding.get();
                    WebSocketFrames.StreamSocket socket = WebSocketFrames.socket(chosen, materializer);
                    CompletionStage<ActorRef<ConnectionActor.Command>> spawned = AskPattern.ask(supervisor,
                            replyTo -> new ConnectionSupervisor.Spawn(chosen, address, socket, replyTo),
                            SPAWN_TIMEOUT, system.scheduler());
                    int max = InboundFrame.maxMessageBytes(settings.maxPayload(), chosen);
                    return onSuccess(spawned, connection -> complete(upgrade.handleMessagesWith(
                            socket.flow(connection, max, materializer), chosen.subprotocol())));
                })));
    }

    private static SSLEngine tls13Engine(SSLContext tls) {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }
}
