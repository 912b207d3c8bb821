package norc.server.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import norc.server.ServerSettings;
import norc.server.connection.ConnectionActor;
import norc.server.connection.ConnectionSupervisor;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The HTTP part of a NORC-C connection: exactly one request, {@code GET /norc-c} with a WebSocket
 * upgrade offering {@code norc-c-v1} and/or {@code norc-c-json-v1} (the binary one wins, profile
 * §2). Anything else gets its HTTP answer and the socket closes. The whole phase from accept to
 * upgrade has the pre-auth deadline, and the connection actor gets what is left of it. On success the WebSocket codec takes over the pipeline, a
 * {@link ConnectionActor} is spawned under the {@link ConnectionSupervisor}, and reads start to
 * follow its demand.
 */
final class UpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String PATH = "/norc-c";
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(5);

    private final ActorSystem<?> system;
    private final ServerSettings settings;
    private final ActorRef<ConnectionSupervisor.Command> supervisor;
    private final boolean secure;
    private final long acceptedAtNanos = System.nanoTime(); // built when the connection is accepted
    private ScheduledFuture<?> deadline;

    UpgradeHandler(ActorSystem<?> system, ServerSettings settings, ActorRef<ConnectionSupervisor.Command> supervisor,
                   boolean secure) {
        this.system = system;
        this.settings = settings;
        this.supervisor = supervisor;
        this.secure = secure;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, settings.preAuthTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            answer(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
            return;
        }
        if (!new QueryStringDecoder(request.uri()).path().equals(PATH)) {
            answer(ctx, HttpResponseStatus.NOT_FOUND, "the NORC-C endpoint is " + PATH);
            return;
        }
        if (request.method() != HttpMethod.GET
                || !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || !request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            answer(ctx, HttpResponseStatus.BAD_REQUEST, "expected a WebSocket upgrade");
            return;
        }
        Optional<WireEncoding> encoding = InboundFrame.chooseSubprotocol(offered(request));
        if (encoding.isEmpty()) {
            answer(ctx, HttpResponseStatus.BAD_REQUEST, "offer the subprotocol norc-c-v1 or norc-c-json-v1");
            return;
        }
        upgrade(ctx, request, encoding.get());
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, WireEncoding encoding) {
        int maxMessage = InboundFrame.maxMessageBytes(settings.maxPayload(), encoding);
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxMessage)
                .expectMaskedFrames(true)
                .allowExtensions(false)
                .closeOnProtocolViolation(false) // MessageAssembler answers: a NORC error first when too large
                .build();
        String location = (secure ? "wss://" : "ws://") + request.headers().get(HttpHeaderNames.HOST, "localhost") + PATH;
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, encoding.subprotocol(), decoder)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ChannelSocket socket = new ChannelSocket(ctx.channel(), encoding, settings.transport());
        ctx.pipeline().addAfter(ctx.name(), "messages", new MessageAssembler(encoding, maxMessage,
                settings.transport().preAuthMaxMessage(), socket));
        ctx.pipeline().addAfter("messages", "socket", socket);
        ctx.channel().config().setAutoRead(false); // from now on the actor's demand drives reading
        handshaker.handshake(ctx.channel(), request).addListener(done -> {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            spawn(socket, encoding, ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress());
        });
        ctx.pipeline().remove(this);
    }

    private void spawn(ChannelSocket socket, WireEncoding encoding, java.net.InetAddress remote) {
        AskPattern.<ConnectionSupervisor.Command, ActorRef<ConnectionActor.Command>>ask(supervisor,
                        replyTo -> new ConnectionSupervisor.Spawn(encoding, remote, socket, acceptedAtNanos, replyTo),
                        SPAWN_TIMEOUT, system.scheduler())
                .whenComplete((actor, error) -> {
                    if (actor != null) {
                        socket.attach(actor);
                    } else {
                        socket.abort();
                    }
                });
    }

    private static List<String> offered(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
        return Arrays.stream(header.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
    }

    private static void answer(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle && idle.state() == io.netty.handler.timeout.IdleState.READER_IDLE) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // TLS failures, resets: nothing worth logging per connection
    }
}
