package norc.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import norc.wire.WireEncoding;

/**
 * NORC-C over the JDK's WebSocket client (profile §2): {@code wss://host:8443/norc-c}, TLS 1.3,
 * subprotocol {@code norc-c-v1} (binary messages) or {@code norc-c-json-v1} (text messages,
 * UTF-8). Parts of a message are reassembled and the whole is capped before it is buffered (close
 * status 1009 when exceeded); a message of the wrong kind for the subprotocol closes with 1003.
 * Sends are queued so that they leave in call order, as the JDK allows one outstanding send.
 * Pings are answered by the JDK.
 */
public final class WebSocketTransport implements Transport {
    /** Profile §4.2: 4 MiB payload, plus room for the frame header, padding and tag. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024 + 64 * 1024;

    /**
     * How to connect.
     *
     * @param sslContext trust for {@code wss://} (see {@link TransportSecurity}); {@code null} = system trust
     * @param connectTimeout TCP + TLS + upgrade
     * @param maxMessageBytes cap on one inbound message after reassembly (for JSON: its UTF-8 bytes)
     * @param allowPlaintextLoopback accept {@code ws://}, and only to a loopback host
     * @param httpClient an existing client to share (e.g. across many connections of a load
     *     generator), or {@code null} to build one from {@code sslContext}
     */
    public record Options(SSLContext sslContext, Duration connectTimeout, int maxMessageBytes,
                          boolean allowPlaintextLoopback, HttpClient httpClient) {
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (maxMessageBytes <= 0) {
                throw new IllegalArgumentException("maxMessageBytes must be positive");
            }
        }

        /** System trust, 10 s connect timeout, the default cap, no plain ws://. */
        public static Options defaults() {
            return new Options(null, Duration.ofSeconds(10), DEFAULT_MAX_MESSAGE_BYTES, false, null);
        }

        public Options withSslContext(SSLContext context) {
            return new Options(context, connectTimeout, maxMessageBytes, allowPlaintextLoopback, httpClient);
        }

        public Options withConnectTimeout(Duration timeout) {
            return new Options(sslContext, timeout, maxMessageBytes, allowPlaintextLoopback, httpClient);
        }

        public Options withMaxMessageBytes(int max) {
            return new Options(sslContext, connectTimeout, max, allowPlaintextLoopback, httpClient);
        }

        public Options withPlaintextLoopback(boolean allow) {
            return new Options(sslContext, connectTimeout, maxMessageBytes, allow, httpClient);
        }

        public Options withHttpClient(HttpClient client) {
            return new Options(sslContext, connectTimeout, maxMessageBytes, allowPlaintextLoopback, client);
        }
    }

    private final WireEncoding encoding;
    private final Inbound inbound;
    private final AtomicBoolean closing = new AtomicBoolean();
    private WebSocket webSocket;
    private CompletableFuture<Void> sendTail = CompletableFuture.completedFuture(null);

    private WebSocketTransport(WireEncoding encoding, int maxMessageBytes) {
        this.encoding = encoding;
        this.inbound = new Inbound(maxMessageBytes);
    }

    /**
     * Opens the WebSocket; completes once the upgrade succeeded and the server selected the
     * requested subprotocol. Inbound messages wait until {@link #start}.
     *
     * @throws IllegalArgumentException (synchronously) for a refused scheme
     */
    public static CompletableFuture<WebSocketTransport> connect(URI server, WireEncoding encoding, Options options) {
        TransportSecurity.checkScheme(server, options.allowPlaintextLoopback());
        HttpClient client = options.httpClient() != null ? options.httpClient() : httpClient(options);
        WebSocketTransport transport = new WebSocketTransport(encoding, options.maxMessageBytes());
        return client.newWebSocketBuilder()
                .subprotocols(encoding.subprotocol())
                .connectTimeout(options.connectTimeout())
                .buildAsync(server, transport.inbound)
                .thenApply(ws -> {
                    if (!encoding.subprotocol().equals(ws.getSubprotocol())) {
                        ws.abort();
                        throw new IllegalStateException("the server did not select the " + encoding.subprotocol()
                                + " subprotocol");
                    }
                    synchronized (transport) {
                        transport.webSocket = ws;
                    }
                    return transport;
                });
    }

    /** An HTTP client for {@code options}: TLS 1.3 only, never following redirects. */
    public static HttpClient httpClient(Options options) {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {TransportSecurity.TLS_VERSION});
        return HttpClient.newBuilder()
                .sslContext(options.sslContext() != null ? options.sslContext() : TransportSecurity.systemTrust())
                .sslParameters(parameters)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The negotiated subprotocol's encoding. */
    public WireEncoding encoding() {
        return encoding;
    }

    @Override
    public void start(Listener listener) {
        inbound.start(listener, webSocket());
    }

    @Override
    public synchronized CompletableFuture<Void> send(byte[] message) {
        if (closing.get()) {
            return CompletableFuture.failedFuture(new IOException("transport closed"));
        }
        WebSocket ws = webSocket;
        byte[] copy = message.clone();
        CompletableFuture<Void> next = sendTail.handle((ignored, error) -> null)
                .thenCompose(ignored -> (encoding == WireEncoding.BINARY
                        ? ws.sendBinary(ByteBuffer.wrap(copy), true)
                        : ws.sendText(new String(copy, StandardCharsets.UTF_8), true)))
                .thenApply(ignored -> null);
        sendTail = next;
        return next;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        WebSocket ws = webSocket();
        CompletableFuture<Void> tail;
        synchronized (this) {
            tail = sendTail;
        }
        // flush what was queued, say goodbye, and do not wait long for the server's close
        tail.handle((ignored, error) -> null)
                .thenCompose(ignored -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""))
                .orTimeout(5, TimeUnit.SECONDS)
                .whenComplete((ignored, error) -> CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS)
                        .execute(ws::abort));
    }

    private synchronized WebSocket webSocket() {
        return webSocket;
    }

    /** The JDK listener: reassembles, caps, and hands whole messages on in order. */
    private final class Inbound implements WebSocket.Listener {
        private final MessageAssembler assembler;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Listener listener;

        Inbound(int maxMessageBytes) {
            this.assembler = new MessageAssembler(maxMessageBytes);
        }

        void start(Listener listener, WebSocket ws) {
            if (this.listener != null) {
                throw new IllegalStateException("already started");
            }
            this.listener = Objects.requireNonNull(listener);
            ws.request(1);
        }

        @Override
        public void onOpen(WebSocket ws) {
            // no request(1) here: inbound waits for start()
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            if (encoding != WireEncoding.BINARY) {
                return violation(ws, WebSocketStatus.UNSUPPORTED_DATA, "text subprotocol received a binary message");
            }
            try {
                deliver(ws, assembler.binary(data, last));
            } catch (MessageAssembler.TooLargeException e) {
                return violation(ws, WebSocketStatus.MESSAGE_TOO_BIG, e.getMessage());
            }
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (encoding != WireEncoding.JSON) {
                return violation(ws, WebSocketStatus.UNSUPPORTED_DATA, "binary subprotocol received a text message");
            }
            try {
                deliver(ws, assembler.text(data, last));
            } catch (MessageAssembler.TooLargeException e) {
                return violation(ws, WebSocketStatus.MESSAGE_TOO_BIG, e.getMessage());
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            ws.request(1); // the JDK answers with a pong itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closing.set(true);
            if (finished.compareAndSet(false, true) && listener != null) {
                listener.onClose(statusCode, reason);
            }
            ws.abort();
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closing.set(true);
            if (finished.compareAndSet(false, true) && listener != null) {
                listener.onError(error);
            }
        }

        private void deliver(WebSocket ws, byte[] message) {
            if (message != null && !finished.get()) {
                listener.onMessage(message);
            }
            ws.request(1);
        }

        private CompletionStage<?> violation(WebSocket ws, int status, String why) {
            closing.set(true);
            if (finished.compareAndSet(false, true) && listener != null) {
                listener.onError(new IOException(why));
            }
            ws.sendClose(status, "").whenComplete((ignored, error) -> ws.abort());
            return null;
        }
    }

    /** WebSocket close codes used here (RFC 6455 §7.4.1). */
    static final class WebSocketStatus {
        static final int UNSUPPORTED_DATA = 1003;
        static final int MESSAGE_TOO_BIG = 1009;

        private WebSocketStatus() {}
    }
}
