package norc.server.it;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import norc.client.Transport;
import norc.client.WebSocketTransport;
import norc.crypto.Aead;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.crypto.X25519;
import norc.session.Aad;
import norc.session.ClientHandshake;
import norc.session.MessageSignatures;
import norc.session.Padding;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.AuthRequest;
import norc.wire.message.DeviceRegister;
import norc.wire.message.NorcMessage;

/**
 * A NORC-C client built from the protocol core, frame by frame, for tests that must send what the
 * SDK never would: replays, tampered and forged frames, stale or foreign signatures. It uses the
 * real TLS WebSocket transport.
 */
public final class RawClient implements Transport.Listener, AutoCloseable {
    final WebSocketTransport transport;
    final WireEncoding encoding;
    final Codec codec;
    final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    SessionKeys keys;
    private byte[] lastSent;
    SendSession sender;
    ReceiveSession receiver;

    // a device identity of our own
    final Ed25519.KeyPair signing = Ed25519.generate(TestServer.RANDOM);
    final X25519.KeyPair kex = X25519.generate(TestServer.RANDOM);
    public final UUID deviceId = UUID.randomUUID();

    private RawClient(WebSocketTransport transport, WireEncoding encoding) {
        this.transport = transport;
        this.encoding = encoding;
        this.codec = encoding.codec(WireLimits.DEFAULT);
        transport.start(this);
    }

    /** Connected, no handshake yet. */
    static RawClient open(TestServer server, WireEncoding encoding) throws Exception {
        return new RawClient(server.transport(encoding), encoding);
    }

    /** Connected with the handshake done (default offer). */
    static RawClient handshaken(TestServer server, WireEncoding encoding) throws Exception {
        RawClient client = open(server, encoding);
        client.handshake(ClientHandshake.Offer.defaults(), server.server.identityPublicKey());
        return client;
    }

    /** Handshaken and registered as a new device of {@code userId} (created with a token if needed). */
    public static RawClient registered(TestServer server, String userId) throws Exception {
        return registered(server, userId, ClientHandshake.Offer.defaults());
    }

    /** {@link #registered(TestServer, String)} after a handshake offering {@code offer}. */
    public static RawClient registered(TestServer server, String userId, ClientHandshake.Offer offer) throws Exception {
        RawClient client = open(server, WireEncoding.BINARY);
        client.handshake(offer, server.server.identityPublicKey());
        client.send(client.register(userId, server.createUserWithToken(userId)));
        NorcMessage answer = client.receive();
        if (!(answer instanceof norc.wire.message.AuthResponse response)
                || response.status() != norc.wire.message.Atoms.AuthStatus.REGISTERED) {
            throw new AssertionError("registration of a raw client failed: " + answer);
        }
        return client;
    }

    void handshake(ClientHandshake.Offer offer, byte[] pinned) throws Exception {
        ClientHandshake hs = ClientHandshake.start(offer, codec, TestServer.RANDOM);
        transport.send(hs.requestBytes());
        byte[] accepted = inbound.poll(10, TimeUnit.SECONDS);
        keys = hs.finish(accepted, pinned);
        sender = new SendSession(keys, codec, true, SendSession.randomInitialSequence(TestServer.RANDOM));
        receiver = new ReceiveSession(keys, codec, false, 1024, 8, ReceiveSession.IntegrityListener.NONE);
    }

    byte[] seal(NorcMessage message) {
        return sender.seal(message);
    }

    void send(NorcMessage message) {
        sendFrame(seal(message));
    }

    void sendFrame(byte[] frame) {
        lastSent = frame;
        transport.send(frame);
    }

    /** The next message the server sent in this session, or {@code null} after {@code timeout}. */
    public NorcMessage receive(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] frame = inbound.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame == null) {
                return null;
            }
            if (receiver.open(frame) instanceof ReceiveSession.Accepted accepted) {
                return accepted.message();
            }
        }
    }

    NorcMessage receive() throws InterruptedException {
        return receive(Duration.ofSeconds(10));
    }

    /** A message sent before keys exist (profile §3), e.g. an early error. */
    NorcMessage receivePlain() throws InterruptedException {
        byte[] bytes = inbound.poll(10, TimeUnit.SECONDS);
        return bytes == null ? null : codec.decodeMessage(bytes);
    }

    DeviceRegister register(String userId, String token) {
        DeviceRegister unsigned = new DeviceRegister(deviceId, userId, signing.publicKey(), kex.publicKey(),
                new DeviceRegister.DeviceInfo("raw", "desktop", List.of("messaging")), Optional.ofNullable(token),
                Optional.empty(), new byte[64]);
        byte[] signature = MessageSignatures.REGISTER.sign(signing.secretKey(), keys.transcriptHash(), codec, unsigned);
        return new DeviceRegister(deviceId, userId, signing.publicKey(), kex.publicKey(), unsigned.deviceInfo(),
                unsigned.enrollmentToken(), Optional.empty(), signature);
    }

    AuthRequest auth(String userId, UUID device, byte[] secretKey, long timestampMicros) {
        AuthRequest unsigned = new AuthRequest(userId, device, timestampMicros, new byte[64]);
        byte[] signature = MessageSignatures.AUTH.sign(secretKey, keys.transcriptHash(), codec, unsigned);
        return new AuthRequest(userId, device, timestampMicros, signature);
    }

    /**
     * An authentic binary frame with an arbitrary type code, sealed like {@link SendSession} does.
     * Sends with the session's next sequence, so use it as the connection's last frame.
     */
    byte[] authenticFrameWithType(int typeCode, byte[] payload) {
        long sequence = sender.nextSequence();
        UUID id = UUID.randomUUID();
        byte[] padded = Padding.pad(payload);
        int length = padded.length + Aead.TAG_LENGTH;
        byte[] prev = lastSent == null ? new byte[FrameHeader.HASH_LENGTH]
                : Blake3.hash(java.util.Arrays.copyOfRange(lastSent, FrameHeader.V2_LENGTH, lastSent.length));
        byte[] aad = Aad.v1(2, 0, typeCode, sequence, id, length, prev, keys.transcriptHash());
        byte[] nonce = new byte[12];
        Bytes.putU64(nonce, 4, sequence);
        byte[] ciphertext = keys.suite().aead().seal(keys.clientToServer(), nonce, aad, padded);
        byte[] frame = new byte[FrameHeader.V2_LENGTH + ciphertext.length];
        new FrameHeader(2, 0, typeCode, ciphertext.length, id, sequence, prev).writeTo(frame, 0);
        System.arraycopy(ciphertext, 0, frame, FrameHeader.V2_LENGTH, ciphertext.length);
        return frame;
    }

    boolean closedWithin(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return closed.isDone();
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** While set, the client stops reading: its transport thread waits here, so TCP backs up to the server. */
    volatile java.util.concurrent.CountDownLatch stalled;

    @Override
    public void onMessage(byte[] message) {
        java.util.concurrent.CountDownLatch stall = stalled;
        if (stall != null) {
            try {
                stall.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        inbound.add(message);
    }

    @Override
    public void onClose(int statusCode, String reason) {
        closed.complete(statusCode);
    }

    @Override
    public void onError(Throwable error) {
        closed.complete(-1);
    }

    @Override
    public void close() {
        transport.close();
    }
}
