package norc.server.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import norc.server.ServerSettings;
import norc.server.connection.ConnectionSupervisor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The NORC-C endpoint {@code wss://host:8443/norc-c} on Netty (profile §2): TLS 1.3 only (BoringSSL
 * when available, else the JDK's engine; plain {@code ws://} only when configured, on loopback),
 * subprotocols {@code norc-c-v1} and {@code norc-c-json-v1}, one {@link
 * norc.server.connection.ConnectionActor} per upgraded socket. The pipeline of one connection:
 *
 * <pre>
 * SslHandler → PreAuthBudget (inbound bytes until authenticated) → FlushConsolidationHandler
 *   → IdleStateHandler (inbound idle 90 s, ping after 30 s quiet)
 *   → HttpServerCodec → HttpObjectAggregator (8 KiB: only the upgrade request)
 *   → UpgradeHandler ⇒ after the upgrade: WebSocket codec → MessageAssembler → ChannelSocket
 * </pre>
 *
 * Buffers come from Netty's pooled allocator and are released as soon as a message has been handed
 * on, so an idle connection holds no read or write buffer; the JDK SSLEngine or the BoringSSL
 * object is the only per-connection TLS state. Until the upgrade the socket reads freely (bounded by
 * the aggregator); after it, reads follow the actor's demand ({@link ChannelSocket}).
 */
public final class NettyClientEndpoint {
    private static final int UPGRADE_REQUEST_BYTES = 8 * 1024;

    private NettyClientEndpoint() {}

    /** Binds the endpoint; unbinding and closing the event loops are coordinated-shutdown tasks. */
    public static CompletionStage<InetSocketAddress> bind(ActorSystem<?> system, ServerSettings settings, SslContext tls,
                                                          ActorRef<ConnectionSupervisor.Command> supervisor) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.transport().ioThreads(), io);
        ChannelGroup open = new DefaultChannelGroup("norc-c", GlobalEventExecutor.INSTANCE);
        AtomicInteger connections = new AtomicInteger();
        ServerSettings.Transport transport = settings.transport();
        SourceAdmission admission = new SourceAdmission(transport);

        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, transport.backlog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (connections.incrementAndGet() > transport.maxConnections()) {
                            connections.decrementAndGet();
                            channel.close(); // over the node's limit: refused before TLS costs anything
                            return;
                        }
                        InetAddress source = channel.remoteAddress().getAddress();
                        if (!admission.admit(source)) {
                            connections.decrementAndGet();
                            channel.close(); // past this source's limits: refused before TLS
                            return;
                        }
                        channel.closeFuture().addListener(f -> {
                            connections.decrementAndGet();
                            admission.release(source);
                        });
                        open.add(channel);
                        ChannelPipeline pipeline = channel.pipeline();
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(channel.alloc());
                            ssl.setHandshakeTimeoutMillis(settings.preAuthTimeout().toMillis());
                            pipeline.addLast("tls", ssl);
                        }
                        pipeline.addLast("pre-auth", new PreAuthBudget(transport.preAuthMaxBytes()));
                        pipeline.addLast("flush", new FlushConsolidationHandler(256, true));
                        pipeline.addLast("idle", new IdleStateHandler(settings.idleTimeout().toMillis(),
                                settings.pingInterval().toMillis(), 0, TimeUnit.MILLISECONDS));
                        pipeline.addLast("http", new HttpServerCodec(4096, UPGRADE_REQUEST_BYTES, UPGRADE_REQUEST_BYTES));
                        pipeline.addLast("request", new HttpObjectAggregator(UPGRADE_REQUEST_BYTES));
                        pipeline.addLast("upgrade", new UpgradeHandler(system, settings, supervisor, tls != null));
                    }
                });

        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        ChannelFuture binding = bootstrap.bind(settings.clientInterface(), settings.clientPort());
        binding.addListener(f -> {
            if (!f.isSuccess()) {
                acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                bound.completeExceptionally(f.cause());
                return;
            }
            Channel server = binding.channel();
            acceptor.scheduleAtFixedRate(admission::sweep, 1, 1, TimeUnit.MINUTES);
            CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
            shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "norc-c-unbind",
                    () -> completion(server.close()));
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "norc-c-event-loops", () -> {
                open.close();
                acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
                return completion(workers.shutdownGracefully(0, 2, TimeUnit.SECONDS));
            });
            system.log().info("NORC-C endpoint on Netty ({}, TLS {})", epoll ? "epoll" : "nio",
                    tls == null ? "off" : tls.getClass().getSimpleName());
            bound.complete((InetSocketAddress) server.localAddress());
        });
        return bound;
    }

    private static CompletionStage<Done> completion(io.netty.util.concurrent.Future<?> future) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        future.addListener(f -> done.complete(Done.getInstance()));
        return done;
    }
}
