package norc.server.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import norc.server.ServerSettings;
import norc.server.connection.ClientSocket;
import norc.server.connection.ConnectionActor;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One upgraded Netty channel as its {@link ConnectionActor} sees it ({@link ClientSocket}), and the
 * last handler of its pipeline. Inbound follows the actor's demand: auto-read is off, and the
 * channel reads only while the actor has asked for a message and none is waiting, so a busy actor
 * leaves bytes in the kernel's buffer and TCP slows the client (messages decoded from one read wait
 * in {@link #ready}, bounded by one read's bytes). Outbound is bounded: past
 * {@code max-queued-messages} or {@code max-queued-bytes} not yet written to the socket, the client
 * is not reading, and the channel is closed; nothing queued is lost that matters, because stored
 * messages stay in the device's inbox until acknowledged.
 * <p>State below {@code // event loop} is touched only on the channel's event loop.
 */
final class ChannelSocket extends ChannelInboundHandlerAdapter implements ClientSocket {
    /** How long a closing socket waits for the peer's close frame. */
    private static final long CLOSE_GRACE_MILLIS = 2000;

    private final Channel channel;
    private final boolean binary;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();

    // event loop
    private final ArrayDeque<InboundFrame> ready = new ArrayDeque<>(2);
    private ActorRef<ConnectionActor.Command> actor;
    private boolean wanted;
    private boolean closing;
    private boolean ended;

    ChannelSocket(Channel channel, WireEncoding encoding, ServerSettings.Transport limits) {
        this.channel = channel;
        this.binary = encoding == WireEncoding.BINARY;
        this.maxQueuedMessages = limits.maxQueuedMessages();
        this.maxQueuedBytes = limits.maxQueuedBytes();
    }

    /** The actor for this socket exists; messages may flow. */
    void attach(ActorRef<ConnectionActor.Command> connection) {
        channel.eventLoop().execute(() -> {
            actor = connection;
            if (ended) {
                actor.tell(ConnectionActor.SocketClosed.INSTANCE);
            } else {
                pump();
            }
        });
    }

    /**
     * Drops the socket at once: a reset, not a close handshake, because neither the TLS close
     * nor a FIN would get past a peer that stopped reading, and the kernel would go on holding
     * what is queued for it. Used for slow readers and when no actor could be started.
     */
    void abort() {
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.unsafe().close(channel.voidPromise());
        }
    }

    // ---- ClientSocket, any thread ----

    @Override
    public void requestNext() {
        channel.eventLoop().execute(() -> {
            wanted = true;
            pump();
        });
    }

    @Override
    public void send(byte[] message) {
        if (queuedMessages.incrementAndGet() > maxQueuedMessages || queuedBytes.addAndGet(message.length) > maxQueuedBytes) {
            channel.eventLoop().execute(this::abort); // the client stopped reading; its inbox keeps what it did not acknowledge
            return;
        }
        channel.writeAndFlush(binary ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))
                        : new TextWebSocketFrame(Unpooled.wrappedBuffer(message)))
                .addListener(written -> {
                    queuedMessages.decrementAndGet();
                    queuedBytes.addAndGet(-message.length);
                });
    }

    @Override
    public boolean congested() {
        return queuedMessages.get() > maxQueuedMessages / 2 || queuedBytes.get() > maxQueuedBytes / 2;
    }

    @Override
    public void authenticated() {
        channel.eventLoop().execute(() -> {
            if (channel.pipeline().get(PreAuthBudget.class) != null) {
                channel.pipeline().remove(PreAuthBudget.class);
            }
            MessageAssembler assembler = channel.pipeline().get(MessageAssembler.class);
            if (assembler != null) {
                assembler.authenticated();
            }
        });
    }

    @Override
    public void close() {
        channel.eventLoop().execute(() -> startClosing(WebSocketCloseStatus.NORMAL_CLOSURE));
    }

    @Override
    public void close(String reason) {
        channel.eventLoop().execute(() -> startClosing(new WebSocketCloseStatus(WebSocketCloseStatus.NORMAL_CLOSURE.code(), reason)));
    }

    // ---- from the pipeline, event loop ----

    /** The peer's close frame: answer it (unless we started), then close. */
    void peerClosed() {
        if (closing) {
            channel.close();
            return;
        }
        closing = true;
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE)).addListener(ChannelFutureListener.CLOSE);
    }

    /** A frame broke the WebSocket protocol: close with its status. */
    void protocolError(WebSocketCloseStatus status) {
        startClosing(status);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof InboundFrame frame) {
            if (!closing) {
                ready.add(frame);
                pump();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wanted && ready.isEmpty() && actor != null && !closing) {
            ctx.read(); // what came in was control frames or part of a message: keep reading
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended = true;
        ready.clear();
        if (actor != null) {
            actor.tell(ConnectionActor.SocketClosed.INSTANCE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void pump() {
        if (actor == null || !wanted || closing) {
            return;
        }
        InboundFrame next = ready.poll();
        if (next != null) {
            wanted = false;
            actor.tell(new ConnectionActor.Inbound(next));
        } else {
            channel.read();
        }
    }

    private void startClosing(WebSocketCloseStatus status) {
        if (closing || ended) {
            return;
        }
        closing = true;
        ready.clear();
        channel.writeAndFlush(new CloseWebSocketFrame(status));
        channel.config().setAutoRead(true); // read and drop until the peer's close frame comes
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
