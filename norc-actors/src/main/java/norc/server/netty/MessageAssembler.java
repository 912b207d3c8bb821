package norc.server.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;

/**
 * WebSocket frames in, whole NORC messages out ({@link InboundFrame}), profile §2: fragments are
 * reassembled and limited while they arrive (past the limit the rest is dropped and the message
 * becomes {@link InboundFrame.TooLarge}; a single frame announcing more than the limit is refused
 * from its header, before its payload is buffered); a text message on the binary subprotocol, or
 * the reverse, is {@link InboundFrame.WrongKind}. Control frames are answered here: pings with pongs,
 * a close with the socket's close. The idle policy lives here too: after {@code ping-interval}
 * without output a ping goes out, and a peer that sent nothing at all for {@code idle-timeout} is
 * closed.
 */
final class MessageAssembler extends ChannelInboundHandlerAdapter {
    private final WireEncoding encoding;
    private final int maxMessage;
    private final ChannelSocket socket;
    // the limit now: the small pre-authentication one until the session authenticated
    private int limit;

    // the message being reassembled, when it came in fragments
    private CompositeByteBuf fragments;
    private boolean fragmentedText;
    private boolean tooLarge;
    private boolean inMessage;

    MessageAssembler(WireEncoding encoding, int maxMessage, int preAuthMaxMessage, ChannelSocket socket) {
        this.encoding = encoding;
        this.maxMessage = maxMessage;
        this.limit = Math.min(maxMessage, preAuthMaxMessage);
        this.socket = socket;
    }

    /** The session authenticated: from now on messages up to the full limit (on the event loop). */
    void authenticated() {
        limit = maxMessage;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
                onFirst(ctx, frame);
            } else if (frame instanceof ContinuationWebSocketFrame) {
                onContinuation(ctx, frame);
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                socket.peerClosed();
            }
            // pongs: they count as inbound bytes for the idle policy, nothing else
        } finally {
            frame.release();
        }
    }

    private void onFirst(ChannelHandlerContext ctx, WebSocketFrame frame) {
        boolean text = frame instanceof TextWebSocketFrame;
        if (frame.isFinalFragment()) {
            ctx.fireChannelRead(frame.content().readableBytes() > limit ? InboundFrame.TooLarge.INSTANCE : complete(text, frame.content()));
            return;
        }
        inMessage = true;
        fragmentedText = text;
        tooLarge = false;
        fragments = ctx.alloc().compositeBuffer(64);
        append(frame.content());
    }

    private void onContinuation(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (!inMessage) {
            return; // the decoder refuses a continuation outside a message; nothing to assemble
        }
        append(frame.content());
        if (frame.isFinalFragment()) {
            InboundFrame whole = tooLarge ? InboundFrame.TooLarge.INSTANCE : complete(fragmentedText, fragments);
            discardFragments();
            ctx.fireChannelRead(whole);
        }
    }

    private void append(ByteBuf part) {
        if (tooLarge) {
            return;
        }
        if ((long) fragments.readableBytes() + part.readableBytes() > limit) {
            tooLarge = true;
            fragments.release();
            fragments = null;
            return;
        }
        fragments.addComponent(true, part.retain());
    }

    private InboundFrame complete(boolean text, ByteBuf content) {
        if (text != (encoding == WireEncoding.JSON)) {
            return InboundFrame.WrongKind.INSTANCE;
        }
        return new InboundFrame.Data(ByteBufUtil.getBytes(content));
    }

    private void discardFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
        inMessage = false;
        tooLarge = false;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                ctx.close(); // not even a pong for idle-timeout: the peer is gone
            } else if (idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            if (corrupt.closeStatus() != null && corrupt.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
                discardFragments();
                ctx.fireChannelRead(InboundFrame.TooLarge.INSTANCE); // the decoder drops the rest of the socket's input
                return;
            }
            socket.protocolError(corrupt.closeStatus() == null ? WebSocketCloseStatus.PROTOCOL_ERROR : corrupt.closeStatus());
            return;
        }
        ctx.close(); // resets and TLS failures: nothing worth logging per connection
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discardFragments();
    }
}
