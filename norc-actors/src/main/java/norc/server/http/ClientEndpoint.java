package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.attribute;
import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import norc.server.ServerSettings;
import norc.server.connection.ConnectionActor;
import norc.server.connection.ConnectionSupervisor;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The NORC-C endpoint {@code wss://host:8443/norc-c} (profile §2): TLS 1.3 only (plain {@code ws://}
 * only when configured, and then only on loopback), subprotocols {@code norc-c-v1} and
 * {@code norc-c-json-v1}. Each accepted upgrade gets a {@link ConnectionActor} from the
 * {@link ConnectionSupervisor}.
 */
public final class ClientEndpoint {
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(5);

    private ClientEndpoint() {}

    public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, ServerSettings settings, SSLContext tls,
                                                      ActorRef<ConnectionSupervisor.Command> supervisor) {
        ServerBuilder builder = Http.get(system).newServerAt(settings.clientInterface(), settings.clientPort());
        if (!settings.plainWebSocket()) {
            builder = builder.enableHttps(ConnectionContext.httpsServer(() -> tls13Engine(tls)));
        }
        Route route = route(system, settings, supervisor);
        org.apache.pekko.http.javadsl.server.ExceptionHandler failures = org.apache.pekko.http.javadsl.server.ExceptionHandler.newBuilder()
                .matchAny(e -> {
                    system.log().error("NORC-C upgrade failed: {}", e.toString(), e);
                    return complete(StatusCodes.INTERNAL_SERVER_ERROR);
                }).build();
        return builder.bind(org.apache.pekko.http.javadsl.server.Directives.handleExceptions(failures, () -> route));
    }

    static Route route(ActorSystem<?> system, ServerSettings settings, ActorRef<ConnectionSupervisor.Command> supervisor) {
        Materializer materializer = Materializer.matFromSystem(system);
        return path("norc-c", () -> attribute(AttributeKeys.webSocketUpgrade, upgrade ->
                attribute(AttributeKeys.remoteAddress, remote -> {
                    Optional<WireEncoding> encoding = choose(upgrade);
                    if (encoding.isEmpty()) {
                        return complete(StatusCodes.BAD_REQUEST, "offer the subprotocol norc-c-v1 or norc-c-json-v1");
                    }
                    InetAddress address = remote.getAddress().orElse(InetAddress.getLoopbackAddress());
                    CompletionStage<ActorRef<ConnectionActor.Command>> spawned = AskPattern.ask(supervisor,
                            replyTo -> new ConnectionSupervisor.Spawn(encoding.get(), address, replyTo),
                            SPAWN_TIMEOUT, system.scheduler());
                    WireEncoding chosen = encoding.get();
                    int max = WebSocketFrames.maxMessageBytes(settings.maxPayload(), chosen);
                    return onSuccess(spawned, connection -> complete(upgrade.handleMessagesWith(
                            WebSocketFrames.flow(connection, chosen, max, materializer), chosen.subprotocol())));
                })));
    }

    /** The binary subprotocol when offered, else JSON (profile §2). */
    static Optional<WireEncoding> choose(WebSocketUpgrade upgrade) {
        Optional<WireEncoding> json = Optional.empty();
        for (String offered : upgrade.getRequestedProtocols()) {
            if (offered.equals(WireEncoding.BINARY.subprotocol())) {
                return Optional.of(WireEncoding.BINARY);
            }
            if (offered.equals(WireEncoding.JSON.subprotocol())) {
                json = Optional.of(WireEncoding.JSON);
            }
        }
        return json;
    }

    private static SSLEngine tls13Engine(SSLContext tls) {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }
}
