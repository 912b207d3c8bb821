package norc.load.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import norc.client.TransportSecurity;
import norc.wire.WireEncoding;

/**
 * Opens NORC-C connections for the load generator on Netty's non-blocking I/O: TCP from a chosen
 * local source address (so that several loopback addresses multiply the ephemeral ports), TLS 1.3,
 * the WebSocket upgrade with the NORC subprotocol (profile §2), then hands back a
 * {@link NettyTransport} and the time each stage took. One connector (one event-loop group, and one
 * TLS context per distinct trust) serves every connection of a worker; federated runs trust each
 * server's own certificate at its own endpoint.
 */
public final class NettyConnector implements AutoCloseable {

    /** How the connector trusts the server: one certificate file, or anything on loopback only. */
    public sealed interface Trust {
        /** Trust exactly the certificate(s) in this PEM file; host names are verified. */
        record CertificateFile(File pem) implements Trust {}

        /** Accept any certificate without host name checks; refused for non-loopback servers. */
        record InsecureLoopback() implements Trust {}

        /** The JDK's default trust store; host names are verified. */
        record SystemTrust() implements Trust {}
    }

    /**
     * @param trust how to trust a server, unless {@code endpointTrust} names its endpoint
     * @param endpointTrust trust for particular endpoints (a federated run: each server's own
     *     certificate); empty for one trust everywhere
     * @param ioThreads event-loop threads (TLS and WebSocket framing run there)
     * @param connectTimeout each of TCP connect, TLS handshake and upgrade
     * @param maxMessageBytes cap on one reassembled inbound WebSocket message
     */
    public record Settings(Trust trust, Map<URI, Trust> endpointTrust, int ioThreads, Duration connectTimeout,
                           int maxMessageBytes) {
        public Settings {
            Objects.requireNonNull(trust, "trust");
            endpointTrust = Map.copyOf(endpointTrust);
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (ioThreads <= 0 || maxMessageBytes <= 0) {
                throw new IllegalArgumentException("ioThreads and maxMessageBytes must be positive");
            }
        }

        /** One trust for every endpoint. */
        public Settings(Trust trust, int ioThreads, Duration connectTimeout, int maxMessageBytes) {
            this(trust, Map.of(), ioThreads, connectTimeout, maxMessageBytes);
        }

        /** How to trust the server at {@code endpoint}. */
        public Trust trustFor(URI endpoint) {
            return endpointTrust.getOrDefault(endpoint, trust);
        }
    }

    private final Settings settings;
    private final EventLoopGroup group;
    /** one TLS context per distinct trust, so that each keeps its own session cache */
    private final Map<Trust, SslContext> ssl;

    public NettyConnector(Settings settings) throws SSLException {
        this.settings = settings;
        Map<Trust, SslContext> contexts = new HashMap<>();
        contexts.put(settings.trust(), sslContext(settings.trust()));
        for (Trust trust : settings.endpointTrust().values()) {
            if (!contexts.containsKey(trust)) {
                contexts.put(trust, sslContext(trust));
            }
        }
        this.ssl = Map.copyOf(contexts);
        this.group = new MultiThreadIoEventLoopGroup(settings.ioThreads(), new DefaultThreadFactory("norc-load-io", true),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    private static SslContext sslContext(Trust trust) throws SSLException {
        // BoringSSL (shipped in netty-tcnative's jar) when it loads: it costs the generator less CPU
        // per handshake than the JDK's engine, leaving more of a shared box to the server under test
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols(TransportSecurity.TLS_VERSION);
        if (trust instanceof Trust.CertificateFile file) {
            builder.trustManager(file.pem());
        } else if (trust instanceof Trust.InsecureLoopback) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        return builder.build();
    }

    /**
     * Opens one connection to {@code server} ({@code wss://host:port/path}) from {@code source}
     * (any local address when {@code null}). Completes with the transport once the server
     * accepted the upgrade with the right subprotocol; fails with a {@link ConnectFailure} naming
     * the stage.
     */
    public CompletableFuture<Connected> connect(URI server, InetAddress source, WireEncoding encoding) {
        String scheme = server.getScheme() == null ? "" : server.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("wss")) {
            throw new IllegalArgumentException("the load generator connects to wss:// addresses only");
        }
        Trust trust = settings.trustFor(server);
        SslContext context = ssl.get(trust);
        if (trust instanceof Trust.InsecureLoopback && !TransportSecurity.isLoopback(server.getHost())) {
            throw new IllegalArgumentException("trusting any certificate is allowed only for a loopback server");
        }
        String host = server.getHost();
        int port = server.getPort() < 0 ? 443 : server.getPort();
        long timeoutMillis = settings.connectTimeout().toMillis();
        NettyTransport transport = new NettyTransport(encoding);
        CompletableFuture<Connected> result = new CompletableFuture<>();
        long started = System.nanoTime();

        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        SslHandler tls = context.newHandler(channel.alloc(), host, port);
                        tls.setHandshakeTimeoutMillis(timeoutMillis);
                        if (!(trust instanceof Trust.InsecureLoopback)) {
                            SSLEngine engine = tls.engine();
                            SSLParameters parameters = engine.getSSLParameters();
                            parameters.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(parameters);
                        }
                        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                                .webSocketUri(server)
                                .subprotocol(encoding.subprotocol())
                                .version(WebSocketVersion.V13)
                                .customHeaders(new DefaultHttpHeaders())
                                .maxFramePayloadLength(settings.maxMessageBytes())
                                .handleCloseFrames(false)
                                .dropPongFrames(true)
                                .handshakeTimeoutMillis(timeoutMillis)
                                .build();
                        channel.pipeline().addLast(
                                tls,
                                new HttpClientCodec(),
                                new HttpObjectAggregator(16 * 1024),
                                new WebSocketClientProtocolHandler(config),
                                new WebSocketFrameAggregator(settings.maxMessageBytes()),
                                transport.handler());
                        transport.watchTls(tls);
                    }
                });
        InetSocketAddress remote = new InetSocketAddress(host, port);
        var connecting = source == null ? bootstrap.connect(remote)
                : bootstrap.connect(remote, new InetSocketAddress(source, 0));
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                boolean bind = f.cause() instanceof java.net.BindException;
                result.completeExceptionally(new ConnectFailure(bind ? ConnectFailure.Stage.BIND
                        : ConnectFailure.Stage.TCP, "connect failed", f.cause()));
            }
        });
        transport.opened(started, connecting.channel()).whenComplete((timings, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(new Connected(transport, timings));
            }
        });
        return result;
    }

    /** An open connection and how long opening it took. */
    public record Connected(NettyTransport transport, ConnectTimings timings) {}

    /** Stops the event loops; open connections are dropped. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
