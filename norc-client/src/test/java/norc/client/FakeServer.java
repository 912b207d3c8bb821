package norc.client;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
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
import norc.wire.message.DeviceRevoke;
import norc.wire.message.ErrorMessage;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.TimeSync;

/**
 * A NORC-C server reduced to what the SDK's tests need, built from the protocol core
 * ({@link ServerHandshake}, {@link SendSession}, {@link ReceiveSession}, {@link MessageSignatures})
 * over {@link InMemoryTransport}: a directory of registered devices, one-time enrollment tokens,
 * and relaying of {@code message_send} to each online recipient device with the sender stamped
 * and only that device's key entry (profile §6). Hooks let a test tamper, duplicate, drop or
 * refuse. With {@link #storeAndForward} it keeps each copy until its device acknowledges it,
 * offers it again when the device authenticates next, and stores a message id once, as the real
 * server does (spec §9.2); otherwise copies go only to devices online. Not a reference for the
 * real server: nothing persists.
 */
final class FakeServer {
    static final SecureRandom RANDOM = new SecureRandom();

    /** A registered device as the directory holds it. */
    record Device(String userId, UUID deviceId, byte[] publicKey, byte[] kexPublicKey) {}

    final Ed25519.KeyPair identity = Ed25519.generate(RANDOM);
    private final ServerHandshake.Config config = new ServerHandshake.Config(
            List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2), new ProtocolVersion(1, 1), new ProtocolVersion(1, 0)),
            List.of(CipherSuite.S0101, CipherSuite.S0001), List.of("e2ee", "messaging"),
            new ServerHandshake.Identity("fake.example", identity.secretKey(), identity.publicKey()));
    private final Map<String, Map<UUID, Device>> directory = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<UUID, Connection> online = new ConcurrentHashMap<>();
    private final Map<UUID, Connection> senderOf = new ConcurrentHashMap<>();

    /** Every {@code message_ack} recipients sent. */
    final BlockingQueue<MessageAck> recipientAcks = new LinkedBlockingQueue<>();
    /** Every message clients sent after the handshake, in arrival order per connection. */
    final BlockingQueue<NorcMessage> fromClients = new LinkedBlockingQueue<>();

    /** Applied to each relayed copy (after stamping). */
    volatile UnaryOperator<MessageSend> relayHook = UnaryOperator.identity();
    /** How many copies of each relayed message a recipient device gets. */
    volatile int copies = 1;
    /** Relay nothing for this many next messages (they are still accepted). */
    final AtomicInteger dropNextRelays = new AtomicInteger();
    /** Answer the next {@code message_send} with this {@code error} instead. */
    final AtomicReference<ErrorCode> errorForNextSend = new AtomicReference<>();
    /** Answer the next {@code message_send} with {@code message_ack failed} and this code. */
    final AtomicReference<ErrorCode> failNextSend = new AtomicReference<>();
    /** Leave {@code key_request}s unanswered. */
    volatile boolean ignoreKeyRequests;
    /** The next this many key requests are answered 9002, as by a server whose journal is away. */
    final java.util.concurrent.atomic.AtomicInteger unavailableKeyRequests = new java.util.concurrent.atomic.AtomicInteger();

    /** What the connection of the next {@code message_send} does instead of answering. */
    enum Drop {
        /** closes before storing anything: the message is lost with the connection */
        BEFORE_STORING,
        /** stores (and relays) the message, then closes without the {@code message_ack} */
        AFTER_STORING
    }

    /** A refusal of the next {@code message_send}: an {@code error} naming it, with {@code retry_after}. */
    record Refusal(ErrorCode code, long retryAfterSeconds) {}

    /** Keep copies until acknowledged, offer them again on the next authentication, store an id once. */
    volatile boolean storeAndForward;
    /** Close the sender's connection on the next {@code message_send}. */
    final AtomicReference<Drop> dropOnNextSend = new AtomicReference<>();
    /** Refuse the next {@code message_send} this way (with {@code details.message_id}, as the real server). */
    final AtomicReference<Refusal> refuseNextSend = new AtomicReference<>();
    /** Ignore this many next {@code delivered} acknowledgements, as if they were lost on the way. */
    final AtomicInteger loseNextRecipientAcks = new AtomicInteger();
    /** Every {@code message_send} that arrived, resends included, in arrival order. */
    final BlockingQueue<MessageSend> sends = new LinkedBlockingQueue<>();
    private final Map<UUID, Map<UUID, MessageSend>> inboxes = new ConcurrentHashMap<>();
    private final Set<UUID> storedIds = ConcurrentHashMap.newKeySet();

    /** Opens a connection; returns the client's end. */
    Transport connect(WireEncoding encoding) {
        InMemoryTransport.Pair pair = InMemoryTransport.pair();
        pair.server().start(new Connection(pair.server(), encoding.codec(WireLimits.DEFAULT)));
        return pair.client();
    }

    String issueToken(String userId) {
        String token = UUID.randomUUID().toString();
        tokens.put(token, userId);
        return token;
    }

    /** Puts a device into the directory directly, as if it had registered earlier. */
    void enroll(DeviceIdentity device) {
        store(new Device(device.userId(), device.deviceId(), device.signingPublicKey(), device.kexPublicKey()));
    }

    /** Removes a device from the directory: it cannot authenticate any more. */
    void forget(DeviceIdentity device) {
        directory.getOrDefault(device.userId(), Map.of()).remove(device.deviceId());
    }

    boolean isRegistered(UUID deviceId) {
        return directory.values().stream().anyMatch(devices -> devices.containsKey(deviceId));
    }

    /** Closes the server end of a device's connection. */
    void disconnect(UUID deviceId) {
        Connection connection = online.get(deviceId);
        if (connection != null) {
            connection.transport.close();
        }
    }

    /** Sends {@code message} to a device's connection, unasked. */
    void push(UUID deviceId, NorcMessage message) {
        online.get(deviceId).send(message);
    }

    /** A device's stored copies in arrival order; hold {@code inboxes}' lock. */
    private Map<UUID, MessageSend> inbox(UUID deviceId) {
        return inboxes.computeIfAbsent(deviceId, d -> new LinkedHashMap<>());
    }

    private void store(Device device) {
        directory.computeIfAbsent(device.userId(), u -> new ConcurrentHashMap<>()).put(device.deviceId(), device);
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** One client connection: handshake, then frames through the session, one at a time. */
    final class Connection implements Transport.Listener {
        final InMemoryTransport transport;
        private final Codec codec;
        private final Object sendLock = new Object();
        private SessionKeys keys;
        private SendSession sendSession;
        private ReceiveSession receiveSession;
        private Device device;

        Connection(InMemoryTransport transport, Codec codec) {
            this.transport = transport;
            this.codec = codec;
        }

        @Override
        public void onMessage(byte[] message) {
            if (keys == null) {
                handshake(message);
                return;
            }
            try {
                ReceiveSession.Received received = receiveSession.open(message);
                if (received instanceof ReceiveSession.Accepted accepted) {
                    fromClients.add(accepted.message());
                    handle(accepted.message());
                }
            } catch (NorcException e) {
                send(ErrorMessage.of(e.code()));
            }
        }

        @Override
        public void onClose(int statusCode, String reason) {
            if (device != null) {
                online.remove(device.deviceId(), this);
            }
        }

        @Override
        public void onError(Throwable error) {
            onClose(1011, "error");
        }

        void send(NorcMessage message) {
            synchronized (sendLock) {
                transport.send(sendSession.seal(message));
            }
        }

        private void handshake(byte[] request) {
            try {
                ServerHandshake.Result result = ServerHandshake.respond(config, codec, request, RANDOM);
                synchronized (sendLock) {
                    keys = result.keys();
                    sendSession = new SendSession(keys, codec, false, SendSession.randomInitialSequence(RANDOM));
                    transport.send(result.acceptedBytes());
                }
                receiveSession = new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
            } catch (NorcException e) {
                transport.send(codec.encodeMessage(ErrorMessage.of(e.code())));
                transport.close();
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
            } else if (message instanceof MessageAck ack) {
                onRecipientAck(ack);
            } else if (message instanceof TimeSync sync) {
                onTimeSync(sync);
            } else if (message instanceof DeviceRevoke revoke) {
                onRevoke(revoke);
            } else if (!(message instanceof PresenceUpdate)) {
                send(ErrorMessage.of(ErrorCode.UNEXPECTED_MESSAGE));
            }
        }

        private void onRegister(DeviceRegister register) {
            String tokenUser = register.enrollmentToken().map(tokens::remove).orElse(null);
            boolean signed = MessageSignatures.REGISTER.verify(register.publicKey(), register.signature(),
                    keys.transcriptHash(), codec, register);
            if (!signed || !register.userId().equals(tokenUser)) {
                send(ErrorMessage.of(ErrorCode.REGISTRATION_REJECTED));
                return;
            }
            device = new Device(register.userId(), register.deviceId(), register.publicKey(), register.kexPublicKey());
            store(device);
            online.put(device.deviceId(), this);
            send(new AuthResponse(AuthStatus.REGISTERED, keys.sessionId(), device.userId(), device.deviceId(),
                    nowMicros(), Instant.now().getEpochSecond() + 3600));
        }

        private void onAuth(AuthRequest auth) {
            Device known = directory.getOrDefault(auth.userId(), Map.of()).get(auth.deviceId());
            if (known == null || !MessageSignatures.AUTH.verify(known.publicKey(), auth.signature(),
                    keys.transcriptHash(), codec, auth)) {
                send(ErrorMessage.of(ErrorCode.AUTHENTICATION_FAILED));
                return;
            }
            if (Math.abs(nowMicros() - auth.timestamp()) > 5_000_000L) {
                send(ErrorMessage.of(ErrorCode.STALE_TIMESTAMP_AUTH));
                return;
            }
            device = known;
            online.put(device.deviceId(), this);
            send(new AuthResponse(AuthStatus.AUTHENTICATED, keys.sessionId(), device.userId(), device.deviceId(),
                    nowMicros(), Instant.now().getEpochSecond() + 3600));
            if (storeAndForward) {
                synchronized (inboxes) {
                    inbox(device.deviceId()).values().forEach(this::send); // what was not acknowledged
                }
            }
        }

        private void onKeyRequest(KeyRequest request) {
            if (ignoreKeyRequests) {
                return;
            }
            if (unavailableKeyRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ErrorMessage.of(ErrorCode.UNAVAILABLE));
                return;
            }
            Map<String, Map<UUID, KeyResponse.DeviceKey>> keysByUser = new LinkedHashMap<>();
            for (String user : request.userIds()) {
                Map<UUID, KeyResponse.DeviceKey> devices = new LinkedHashMap<>();
                directory.getOrDefault(user, Map.of()).forEach((id, d) -> devices.put(id,
                        new KeyResponse.DeviceKey(d.publicKey(), d.kexPublicKey(), "ed25519", 0, true)));
                keysByUser.put(user, devices);
            }
            send(new KeyResponse(keysByUser));
        }

        private void onMessageSend(MessageSend message) {
            sends.add(message);
            Drop drop = dropOnNextSend.getAndSet(null);
            if (drop == Drop.BEFORE_STORING) {
                transport.close();
                return;
            }
            Refusal refusal = refuseNextSend.getAndSet(null);
            if (refusal != null) {
                send(new ErrorMessage(refusal.code().code(), refusal.code().category().atom(),
                        refusal.code().genericMessage(), Optional.of(refusal.retryAfterSeconds()),
                        Map.of("message_id", message.messageId().toString())));
                return;
            }
            if (storeAndForward) {
                storeAndRelay(message);
                if (drop == Drop.AFTER_STORING) {
                    transport.close();
                } else {
                    send(new MessageAck(message.messageId(), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
                }
                return;
            }
            ErrorCode error = errorForNextSend.getAndSet(null);
            if (error != null) {
                send(ErrorMessage.of(error));
                return;
            }
            ErrorCode failure = failNextSend.getAndSet(null);
            if (failure != null) {
                send(new MessageAck(message.messageId(), AckStatus.FAILED, Optional.empty(),
                        Optional.of((long) failure.code())));
                return;
            }
            senderOf.put(message.messageId(), this);
            boolean relay = dropNextRelays.getAndUpdate(n -> Math.max(0, n - 1)) == 0;
            send(new MessageAck(message.messageId(), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()));
            if (!relay) {
                return;
            }
            message.keys().forEach((deviceId, wrapped) -> {
                Connection recipient = online.get(deviceId);
                if (recipient == null || deviceId.equals(device.deviceId())) {
                    return;
                }
                MessageSend copy = relayHook.apply(new MessageSend(message.messageId(), message.conversationId(),
                        message.recipients(), message.metadata(), message.e2eSequence(), message.e2ePrevHash(),
                        message.ciphertext(), Map.of(deviceId, wrapped), message.senderSignature(),
                        Optional.of(device.userId()), Optional.of(device.deviceId())));
                for (int i = 0; i < copies; i++) {
                    recipient.send(copy);
                }
            });
        }

        /** Stores a copy per recipient device once per message id and relays it to those online. */
        private void storeAndRelay(MessageSend message) {
            senderOf.put(message.messageId(), this);
            if (!storedIds.add(message.messageId())) {
                return; // sent again: stored the first time
            }
            message.keys().forEach((deviceId, wrapped) -> {
                if (deviceId.equals(device.deviceId())) {
                    return;
                }
                MessageSend copy = new MessageSend(message.messageId(), message.conversationId(), message.recipients(),
                        message.metadata(), message.e2eSequence(), message.e2ePrevHash(), message.ciphertext(),
                        Map.of(deviceId, wrapped), message.senderSignature(), Optional.of(device.userId()),
                        Optional.of(device.deviceId()));
                synchronized (inboxes) {
                    inbox(deviceId).put(message.messageId(), copy);
                }
                Connection recipient = online.get(deviceId);
                if (recipient != null) {
                    recipient.send(copy);
                }
            });
        }

        private void onRecipientAck(MessageAck ack) {
            if (ack.status() == AckStatus.DELIVERED && loseNextRecipientAcks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return;
            }
            if (storeAndForward && ack.status() == AckStatus.DELIVERED) {
                synchronized (inboxes) {
                    inbox(device.deviceId()).remove(ack.messageId());
                }
            }
            recipientAcks.add(ack);
            Connection sender = senderOf.get(ack.messageId());
            if (sender != null) {
                sender.send(new MessageAck(ack.messageId(), ack.status(), Optional.of(device.deviceId()), Optional.empty()));
            }
        }

        private void onTimeSync(TimeSync request) {
            TimeSync unsigned = new TimeSync(request.clientTime(), nowMicros(), 1_000, Optional.empty());
            byte[] signature = MessageSignatures.TIME_SYNC.sign(identity.secretKey(), keys.transcriptHash(), codec, unsigned);
            send(new TimeSync(unsigned.clientTime(), unsigned.serverTime(), unsigned.uncertainty(), Optional.of(signature)));
        }

        private void onRevoke(DeviceRevoke revoke) {
            Device by = directory.getOrDefault(revoke.userId(), Map.of()).get(revoke.revokedBy());
            if (by == null || !revoke.userId().equals(device.userId())
                    || !MessageSignatures.REVOKE.verify(by.publicKey(), revoke.signature(), null, codec, revoke)) {
                send(ErrorMessage.of(ErrorCode.FORBIDDEN));
                return;
            }
            directory.getOrDefault(revoke.userId(), Map.of()).remove(revoke.deviceId());
        }
    }
}
