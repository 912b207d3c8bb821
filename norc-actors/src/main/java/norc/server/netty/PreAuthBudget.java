package norc.server.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Counts what a connection sends before it authenticated ({@code pre-auth-max-bytes}, the
 * plaintext under TLS) and closes it past the budget, before any decoder buffers it: an
 * unauthenticated peer cannot make the server hold a message of the authenticated limit (4 MiB).
 * {@link ChannelSocket#authenticated()} removes it from the pipeline.
 */
final class PreAuthBudget extends ChannelInboundHandlerAdapter {
    private final long budget;
    private long received;

    PreAuthBudget(long budget) {
        this.budget = budget;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            received += bytes.readableBytes();
            if (received > budget) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
