package norc.load.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import norc.client.Transport;
import norc.wire.WireEncoding;

/**
 * A NORC-C {@link Transport} on one Netty channel: whole WebSocket messages in and out (binary for
 * {@code norc-c-v1}, text for {@code norc-c-json-v1}). Everything inbound runs on the channel's
 * event loop; messages that arrive before {@link #start} wait in a small queue. Sends are written
 * in call order: each goes through the channel's event-loop queue. The inbound message size
 * is capped by the pipeline's aggregator, so a session's memory stays bounded.
 */
public final class NettyTransport implements Transport {
    private final WireEncoding encoding;
    private final CompletableFuture<ConnectTimings> upgraded = new CompletableFuture<>();
    private volatile Channel channel;

    // event-loop state
    private long startedNanos;
    private long tcpDoneNanos;
    private long tlsDoneNanos;
    private Listener listener;
    private final ArrayDeque<byte[]> early = new ArrayDeque<>();
    private int closeStatus = -1;
    private boolean closedByUs;
    private boolean finished;

    NettyTransport(WireEncoding encoding) {
        this.encoding = encoding;
    }

    SimpleChannelInboundHandler<WebSocketFrame> handler() {
        return new Frames();
    }

    void watchTls(SslHandler tls) {
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                tlsDoneNanos = System.nanoTime();
            } else {
                fail(new ConnectFailure(ConnectFailure.Stage.TLS, "TLS handshake failed", f.cause()));
            }
        });
    }

    CompletableFuture<ConnectTimings> opened(long startedNanos, Channel channel) {
        this.startedNanos = startedNanos;
        this.channel = channel;
        return upgraded;
    }

    /** The negotiated subprotocol's encoding. */
    public WireEncoding encoding() {
        return encoding;
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        Channel ch = channel;
        ch.eventLoop().execute(() -> {
            if (this.listener != null) {
                throw new IllegalStateException("already started");
            }
            this.listener = listener;
            while (!early.isEmpty()) {
                listener.onMessage(early.poll());
            }
            if (finished) {
                tellClosed();
            }
        });
    }

    @Override
    public CompletableFuture<Void> send(byte[] message) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return CompletableFuture.failedFuture(new IOException("transport closed"));
        }
        ByteBuf data = Unpooled.wrappedBuffer(message.clone());
        WebSocketFrame frame = encoding == WireEncoding.BINARY ? new BinaryWebSocketFrame(data)
                : new TextWebSocketFrame(data);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        // always through the event loop's queue, even when called on it: a write made inline on
        // the loop would overtake writes queued earlier from other threads, and the frame hash
        // chain needs frames on the wire in call order
        ch.eventLoop().execute(() -> ch.writeAndFlush(frame).addListener(f -> {
            if (f.isSuccess()) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(new IOException("send failed", f.cause()));
            }
        }));
        return sent;
    }

    @Override
    public void close() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ch.eventLoop().execute(() -> {
            if (closedByUs || finished) {
                return;
            }
            closedByUs = true;
            if (ch.isActive()) {
                ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            } else {
                ch.close();
            }
        });
    }

    /**
     * Cuts the connection as a crash or a network failure would: no WebSocket close, and a TCP
     * reset (linger 0), so frames still queued are lost. The listener hears {@code onError}.
     * For the generator's {@code --drop}.
     */
    public void abort() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ch.eventLoop().execute(() -> {
            if (finished) {
                return;
            }
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException e) {
                // not settable on this channel: an ordinary close still cuts the connection
            }
            ch.close();
        });
    }

    private void fail(Throwable error) {
        if (upgraded.completeExceptionally(error)) {
            Channel ch = channel;
            if (ch != null) {
                ch.close();
            }
        }
    }

    private void tellClosed() {
        if (listener == null) {
            return; // start() tells it later
        }
        if (closeStatus >= 0) {
            listener.onClose(closeStatus, "");
        } else if (closedByUs) {
            listener.onClose(1000, "");
        } else {
            listener.onError(new IOException("connection lost"));
        }
        listener = new Listener() {
            @Override
            public void onMessage(byte[] message) {}

            @Override
            public void onClose(int statusCode, String reason) {}

            @Override
            public void onError(Throwable error) {}
        };
    }

    private final class Frames extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            tcpDoneNanos = System.nanoTime();
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                WebSocketClientProtocolHandler ws = ctx.pipeline().get(WebSocketClientProtocolHandler.class);
                String selected = ws == null ? null : ws.handshaker().actualSubprotocol();
                if (!encoding.subprotocol().equals(selected)) {
                    fail(new ConnectFailure(ConnectFailure.Stage.UPGRADE, "the server did not select "
                            + encoding.subprotocol(), null));
                    return;
                }
                long now = System.nanoTime();
                upgraded.complete(new ConnectTimings(tcpDoneNanos - startedNanos, tlsDoneNanos - tcpDoneNanos,
                        now - tlsDoneNanos));
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail(new ConnectFailure(ConnectFailure.Stage.UPGRADE, "upgrade timed out", null));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                closeStatus = close.statusCode() < 0 ? 1005 : close.statusCode();
                if (!closedByUs) {
                    closedByUs = true; // answer the close, then drop the connection
                    ctx.writeAndFlush(new CloseWebSocketFrame(closeStatus == 1005 ? 1000 : closeStatus, ""))
                            .addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.close();
                }
                return;
            }
            boolean expected = encoding == WireEncoding.BINARY ? frame instanceof BinaryWebSocketFrame
                    : frame instanceof TextWebSocketFrame;
            if (!expected) {
                closeStatus = 1003;
                ctx.writeAndFlush(new CloseWebSocketFrame(1003, "")).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            byte[] message = ByteBufUtil.getBytes(frame.content());
            if (listener == null) {
                early.add(message);
            } else {
                listener.onMessage(message);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!upgraded.isDone()) {
                ConnectFailure.Stage stage = tlsDoneNanos == 0 ? ConnectFailure.Stage.TLS : ConnectFailure.Stage.UPGRADE;
                fail(new ConnectFailure(stage, "connection closed while opening", null));
            }
            if (!finished) {
                finished = true;
                tellClosed();
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!upgraded.isDone()) {
                ConnectFailure.Stage stage = tcpDoneNanos == 0 ? ConnectFailure.Stage.TCP
                        : tlsDoneNanos == 0 ? ConnectFailure.Stage.TLS : ConnectFailure.Stage.UPGRADE;
                fail(new ConnectFailure(stage, "connection failed while opening", cause));
            }
            ctx.close();
        }
    }
}
