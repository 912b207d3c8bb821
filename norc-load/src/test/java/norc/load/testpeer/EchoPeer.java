package norc.load.testpeer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;

/** A TLS 1.3 WebSocket server that echoes binary messages, subprotocol norc-c-v1; for transport benchmarks. */
public final class EchoPeer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel listener;
    private final Path certificatePem;

    public EchoPeer(Path directory, int threads) throws Exception {
        TestCertificate certificate = TestCertificate.create("localhost");
        certificatePem = certificate.writePem(directory.resolve("echo-cert.pem"));
        SslContext ssl = SslContextBuilder.forServer(certificate.keys().getPrivate(), certificate.certificate())
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/norc-c").subprotocols("norc-c-v1").maxFramePayloadLength(1 << 20).build();
        group = new NioEventLoopGroup(threads);
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler(ws),
                                new SimpleChannelInboundHandler<BinaryWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame frame) {
                                        ctx.writeAndFlush(frame.retainedDuplicate());
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public URI endpoint() {
        return URI.create("wss://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/norc-c");
    }

    public Path certificatePem() {
        return certificatePem;
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
