package norc.load.testpeer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.MessageSignatures;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.ServerHandshake;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.DeviceRegister;
import norc.wire.message.ErrorMessage;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;

/**
 * A small NORC-C peer for the load generator's own tests, built from the protocol core: TLS 1.3
 * WebSocket on Netty (both subprotocols), the server side of the handshake, registration with
 * one-time tokens and signature checks, authentication with signature and clock checks, key
 * look-ups, and relay of {@code message_send} to online recipient devices (stamped, one key entry
 * each) with {@code message_ack accepted}. Plus the two admin routes on the JDK's HTTP server.
 * Users must be on its own domain (its server id). Two peers can stand in for federated servers
 * ({@link #federateWith}): each then answers key look-ups for the other's users and hands messages
 * for the other's devices straight to it, counting them in {@link #forwarded}.
 * Not the NORC server: no persistence, no store-and-forward, no rate limits, no NORC-F.
 */
public final class TestNorcPeer implements AutoCloseable {
    public static final String SERVER_ID = "peer.test";
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Device(String userId, UUID deviceId, byte[] publicKey, byte[] kexPublicKey) {}

    private final String serverId;
    private final Ed25519.KeyPair identity = Ed25519.generate(RANDOM);
    private final ServerHandshake.Config config;
    private final Map<String, Map<UUID, Device>> directory = new ConcurrentHashMap<>();
    private final Map<String, Boolean> users = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<UUID, Connection> online = new ConcurrentHashMap<>();
    private final EventLoopGroup group = new NioEventLoopGroup(2);
    private final Channel listener;
    private final Channel second;
    private final HttpServer admin;
    private final Path certificatePem;

    /** Counts of what clients did, for assertions. */
    public final AtomicInteger registrations = new AtomicInteger();
    public final AtomicInteger authentications = new AtomicInteger();
    public final AtomicInteger relayed = new AtomicInteger();
    /** messages handed to the federated peer's devices */
    public final AtomicInteger forwarded = new AtomicInteger();
    private volatile TestNorcPeer federatedPeer;
    private final Map<Integer, AtomicInteger> authenticationsByPort = new ConcurrentHashMap<>();

    public TestNorcPeer(Path directoryForCertificate) throws Exception {
        this(directoryForCertificate, SERVER_ID);
    }

    /** A peer with its own server id (its users' domain) and its own certificate, {@code <id>-cert.pem}. */
    public TestNorcPeer(Path directoryForCertificate, String serverId) throws Exception {
        this.serverId = serverId;
        this.config = new ServerHandshake.Config(List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2)),
                List.of(CipherSuite.S0101, CipherSuite.S0001), List.of("e2ee", "messaging"),
                new ServerHandshake.Identity(serverId, identity.secretKey(), identity.publicKey()));
        TestCertificate certificate = TestCertificate.create("localhost");
        this.certificatePem = certificate.writePem(directoryForCertificate.resolve(
                serverId.equals(SERVER_ID) ? "peer-cert.pem" : serverId + "-cert.pem"));
        SslContext ssl = SslContextBuilder.forServer(certificate.keys().getPrivate(), certificate.certificate())
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/norc-c")
                .subprotocols(WireEncoding.BINARY.subprotocol() + "," + WireEncoding.JSON.subprotocol())
                .maxFramePayloadLength(1 << 20)
                .build();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(65536), new WebSocketServerProtocolHandler(ws),
                                new WebSocketFrameAggregator(1 << 20), new Connection());
                    }
                });
        // two listeners on one directory, like two nodes of one cluster
        this.listener = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        this.second = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        this.admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        admin.createContext("/admin/users", this::onAdmin);
        admin.start();
    }

    public URI endpoint() {
        return URI.create("wss://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/norc-c");
    }

    /** The second listener's endpoint (same devices, same directory). */
    public URI secondEndpoint() {
        return URI.create("wss://127.0.0.1:" + ((InetSocketAddress) second.localAddress()).getPort() + "/norc-c");
    }

    /** Authentications seen on the listener of {@code endpoint}. */
    public int authenticationsAt(URI endpoint) {
        return authenticationsByPort.getOrDefault(endpoint.getPort(), new AtomicInteger()).get();
    }

    public URI adminUrl() {
        return URI.create("http://127.0.0.1:" + admin.getAddress().getPort());
    }

    public Path certificatePem() {
        return certificatePem;
    }

    public int online() {
        return online.size();
    }

    public String serverId() {
        return serverId;
    }

    /** From now on this peer looks up {@code other}'s users there and hands their messages to it (one way). */
    public void federateWith(TestNorcPeer other) {
        federatedPeer = other;
    }

    private boolean ownUser(String userId) {
        return userId.endsWith("@" + serverId);
    }

    /** The devices of {@code userId}: ours, or the federated peer's for its users. */
    private Map<UUID, Device> devicesOf(String userId) {
        TestNorcPeer other = federatedPeer;
        if (!ownUser(userId) && other != null && other.ownUser(userId)) {
            return other.directory.getOrDefault(userId, Map.of());
        }
        return directory.getOrDefault(userId, Map.of());
    }

    @Override
    public void close() {
        admin.stop(0);
        listener.close().syncUninterruptibly();
        second.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- admin API -----------------------------------------------------------------------------

    private static final Pattern TOKEN_PATH = Pattern.compile("/admin/users/([^/]+)/enrollment-tokens");

    private void onAdmin(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (!exchange.getRequestMethod().equals("POST")) {
            answer(exchange, 405, "{\"error\":\"method\"}");
        } else if (path.equals("/admin/users")) {
            Matcher m = Pattern.compile("\"user_id\":\"([^\"]+)\"").matcher(body);
            if (!m.find()) {
                answer(exchange, 400, "{\"error\":\"user_id\"}");
            } else if (!ownUser(m.group(1))) {
                answer(exchange, 400, "{\"error\":\"not our domain\"}");
            } else if (users.putIfAbsent(m.group(1), true) != null) {
                answer(exchange, 409, "{\"error\":\"exists\"}");
            } else {
                answer(exchange, 201, "{\"user_id\":\"" + m.group(1) + "\"}");
            }
        } else {
            Matcher m = TOKEN_PATH.matcher(path);
            String user = m.matches() ? URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : null;
            if (user == null || !users.containsKey(user)) {
                answer(exchange, 404, "{\"error\":\"not found\"}");
            } else {
                String token = UUID.randomUUID().toString();
                tokens.put(token, user);
                answer(exchange, 201, "{\"token\":\"" + token + "\",\"expires_at\":" + (Instant.now().getEpochSecond() + 3600) + "}");
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    // ---- NORC-C --------------------------------------------------------------------------------

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** One client connection; inbound handling runs on its event loop. */
    private final class Connection extends SimpleChannelInboundHandler<WebSocketFrame> {
        private Channel channel;
        private WireEncoding encoding;
        private Codec codec;
        private SessionKeys keys;
        private SendSession sendSession;
        private ReceiveSession receiveSession;
        private Device device;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
                channel = ctx.channel();
                encoding = WireEncoding.fromSubprotocol(done.selectedSubprotocol());
                codec = encoding.codec(WireLimits.DEFAULT);
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            byte[] bytes = ByteBufUtil.getBytes(frame.content());
            if (keys == null) {
                handshake(bytes);
                return;
            }
            try {
                if (receiveSession.open(bytes) instanceof ReceiveSession.Accepted accepted) {
                    handle(accepted.message());
                }
            } catch (NorcException e) {
                send(ErrorMessage.of(e.code()));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // e.g. a client that refused our certificate
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (device != null) {
                online.remove(device.deviceId(), this);
            }
            super.channelInactive(ctx);
        }

        /** Through the event loop's queue always, so frames leave in sealing order whatever the thread. */
        private void write(byte[] message) {
            channel.eventLoop().execute(() -> channel.writeAndFlush(encoding == WireEncoding.BINARY ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message))
                    : new TextWebSocketFrame(Unpooled.wrappedBuffer(message))));
        }

        synchronized void send(NorcMessage message) {
            write(sendSession.seal(message));
        }

        private void handshake(byte[] request) {
            try {
                ServerHandshake.Result result = ServerHandshake.respond(config, codec, request, RANDOM);
                synchronized (this) {
                    keys = result.keys();
                    sendSession = new SendSession(keys, codec, false, SendSession.randomInitialSequence(RANDOM));
                    write(result.acceptedBytes());
                }
                receiveSession = new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
            } catch (NorcException e) {
                write(codec.encodeMessage(ErrorMessage.of(e.code())));
                channel.close();
            }
        }

        private void handle(NorcMessage message) {
            if (message instanceof DeviceRegister register) {
                onRegister(register);
            } else if (message instanceof AuthRequest auth) {
                onAuth(auth);
            } else if (device == null) {
                send(ErrorMessage.of(ErrorCode.AUTHENTICATION_FAILED));
            } else if (message instanceof KeyRequest request) {
                onKeyRequest(request);
            } else if (message instanceof MessageSend send) {
                onMessageSend(send);
            }
            // message_ack from recipients, presence: nothing to do here
        }

        private void onRegister(DeviceRegister register) {
            String tokenUser = register.enrollmentToken().map(tokens::remove).orElse(null);
            if (!MessageSignatures.REGISTER.verify(register.publicKey(), register.signature(), keys.transcriptHash(),
                    codec, register) || !register.userId().equals(tokenUser) || !ownUser(register.userId())) {
                send(ErrorMessage.of(ErrorCode.REGISTRATION_REJECTED));
                return;
            }
            device = new Device(register.userId(), register.deviceId(), register.publicKey(), register.kexPublicKey());
            directory.computeIfAbsent(device.userId(), u -> new ConcurrentHashMap<>()).put(device.deviceId(), device);
            online.put(device.deviceId(), this);
            registrations.incrementAndGet();
            send(new AuthResponse(AuthStatus.REGISTERED, keys.sessionId(), device.userId(), device.deviceId(),
                    nowMicros(), Instant.now().getEpochSecond() + 3600));
        }

        private void onAuth(AuthRequest auth) {
            Device known = directory.getOrDefault(auth.userId(), Map.of()).get(auth.deviceId());
            if (known == null || !MessageSignatures.AUTH.verify(known.publicKey(), auth.signature(),
                    keys.transcriptHash(), codec, auth) || Math.abs(nowMicros() - auth.timestamp()) > 5_000_000L) {
                send(ErrorMessage.of(ErrorCode.AUTHENTICATION_FAILED));
                return;
            }
            device = known;
            online.put(device.deviceId(), this);
            authentications.incrementAndGet();
            authenticationsByPort.computeIfAbsent(((InetSocketAddress) channel.localAddress()).getPort(),
                    p -> new AtomicInteger()).incrementAndGet();
            send(new AuthResponse(AuthStatus.AUTHENTICATED, keys.sessionId(), device.userId(), device.deviceId(),
                    nowMicros(), Instant.now().getEpochSecond() + 3600));
        }

        private void onKeyRequest(KeyRequest request) {
            Map<String, Map<UUID, KeyResponse.DeviceKey>> found = new LinkedHashMap<>();
            for (String user : request.userIds()) {
                Map<UUID, KeyResponse.DeviceKey> devices = new LinkedHashMap<>();
                devicesOf(user).forEach((id, d) -> devices.put(id,
                        new KeyResponse.DeviceKey(d.publicKey(), d.kexPublicKey(), "ed25519", 0, true)));
                found.put(user, devices);
            }
            send(new KeyResponse(found));
        }

        private void onMessageSend(MessageSend message) {
            send(new MessageAck(message.messageId(), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
            message.keys().forEach((deviceId, wrapped) -> {
                Connection recipient = online.get(deviceId);
                TestNorcPeer other = federatedPeer;
                if (recipient == null && other != null && (recipient = other.online.get(deviceId)) != null) {
                    forwarded.incrementAndGet();
                }
                if (recipient == null || deviceId.equals(device.deviceId())) {
                    return;
                }
                relayed.incrementAndGet();
                recipient.send(new MessageSend(message.messageId(), message.conversationId(), message.recipients(),
                        message.metadata(), message.e2eSequence(), message.e2ePrevHash(), message.ciphertext(),
                        Map.of(deviceId, wrapped), message.senderSignature(), Optional.of(device.userId()),
                        Optional.of(device.deviceId())));
            });
        }
    }
}
