package norc.client;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import norc.crypto.Blake3;
import norc.crypto.CipherSuite;
import norc.crypto.KeyWrap;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.files.FileCrypto;
import norc.groups.ConversationInfoSeal;
import norc.session.ClientHandshake;
import norc.session.MessageSignatures;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.ConversationAction;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.Atoms.Role;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationInfo;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.DeviceKeyRotate;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FileChunk;
import norc.wire.message.FileChunkRequest;
import norc.wire.message.FileChunkUpload;
import norc.wire.message.FileManifest;
import norc.wire.message.FileUploadAck;
import norc.wire.message.KeyExpiryNotice;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MembershipRequest;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.TimeSync;

/**
 * The NORC-C client SDK: one connection of one device to its server.
 *
 * <p>{@link #connect} runs the handshake (profile §3) over a {@link Transport}; then the device
 * {@link #register}s (first time, with an enrollment token) or {@link #authenticate}s (profile §5),
 * and can {@link #fetchKeys}, {@link #send} end-to-end encrypted messages (profile §6),
 * {@link #revokeDevice}, {@link #timeSync} and publish {@link #presence}. A message can also be
 * {@link #seal}ed first and {@linkplain #send(SealedMessage) sent} (again) as the same bytes, which
 * {@link ReconnectingClient} does across connections. Inbound messages are verified, decrypted,
 * chain-checked, deduplicated (per connection, or across connections with a shared
 * {@link ReceiveHistory}), handed to the {@link ClientListener} and acknowledged {@code delivered}.
 *
 * <p>Threading: every public method may be called from any thread and never blocks on the network;
 * results are futures, completed on the client's executor (never on a network thread), failing
 * with {@link NorcException} carrying the NORC error code (a server {@code error} or a local
 * check), or with a {@link java.util.concurrent.TimeoutException} after the request timeout.
 * Frames are sealed and queued under one lock, since a {@link SendSession} has a single owner and
 * the hash chain needs frames on the wire in sealing order; inbound frames are handled one at a
 * time on a serial executor that owns the {@link ReceiveSession}. Calling a method in the wrong
 * state ({@code send} before authenticating) throws {@link IllegalStateException}; bad arguments
 * throw {@link IllegalArgumentException}.
 *
 * <p>Nothing here logs; exceptions and {@code toString}s carry no content, keys or participants.
 */
public final class NorcClient implements AutoCloseable {
    private static final int REPLAY_WINDOW = 1024;
    private static final int MAX_FAILED_FRAMES = 8;
    /** Room left under the payload limit for the envelope's padding and the message's other fields. */
    private static final int CONTENT_HEADROOM = 128 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * How the client behaves.
     *
     * @param offer versions and suites offered in the handshake (default 2.0, 1.2, 1.1, 1.0; 0101, 0001)
     * @param pinnedServerKey the server's Ed25519 identity key to insist on, or {@code null} to
     *     accept any and let the caller pin {@link #serverPublicKey()} on first use
     * @param listener inbound events
     * @param executor where futures complete and the listener runs; {@code null} = a cached pool
     *     of daemon threads owned by this client
     * @param requestTimeout how long a returned future waits for the server
     * @param keyCacheTtl how long fetched recipient keys are reused by {@link #send}
     * @param chainStore this device's outgoing conversation chains (see {@link ChainStore})
     * @param receiveHistory what this device accepted before (ids, senders' chains), shared by its
     *     connections; {@code null} = a fresh one for this connection (see {@link ReceiveHistory})
     */
    public record Options(ClientHandshake.Offer offer, byte[] pinnedServerKey, ClientListener listener,
                          Executor executor, Duration requestTimeout, Duration keyCacheTtl, ChainStore chainStore,
                          WireLimits limits, Clock clock, SecureRandom random, ReceiveHistory receiveHistory) {
        public Options {
            Objects.requireNonNull(offer, "offer");
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(keyCacheTtl, "keyCacheTtl");
            Objects.requireNonNull(chainStore, "chainStore");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(random, "random");
            pinnedServerKey = pinnedServerKey == null ? null : pinnedServerKey.clone();
        }

        public static Options defaults() {
            return new Options(ClientHandshake.Offer.defaults(), null, ClientListener.NONE, null, Duration.ofSeconds(30),
                    Duration.ofSeconds(60), ChainStore.inMemory(), WireLimits.DEFAULT, Clock.systemUTC(),
                    new SecureRandom(), null);
        }

        public Options withOffer(ClientHandshake.Offer value) {
            return new Options(value, pinnedServerKey, listener, executor, requestTimeout, keyCacheTtl, chainStore,
                    limits, clock, random, receiveHistory);
        }

        public Options withPinnedServerKey(byte[] value) {
            return new Options(offer, value, listener, executor, requestTimeout, keyCacheTtl, chainStore, limits,
                    clock, random, receiveHistory);
        }

        public Options withListener(ClientListener value) {
            return new Options(offer, pinnedServerKey, value, executor, requestTimeout, keyCacheTtl, chainStore,
                    limits, clock, random, receiveHistory);
        }

        public Options withExecutor(Executor value) {
            return new Options(offer, pinnedServerKey, listener, value, requestTimeout, keyCacheTtl, chainStore,
                    limits, clock, random, receiveHistory);
        }

        public Options withRequestTimeout(Duration value) {
            return new Options(offer, pinnedServerKey, listener, executor, value, keyCacheTtl, chainStore, limits,
                    clock, random, receiveHistory);
        }

        public Options withKeyCacheTtl(Duration value) {
            return new Options(offer, pinnedServerKey, listener, executor, requestTimeout, value, chainStore, limits,
                    clock, random, receiveHistory);
        }

        public Options withChainStore(ChainStore value) {
            return new Options(offer, pinnedServerKey, listener, executor, requestTimeout, keyCacheTtl, value, limits,
                    clock, random, receiveHistory);
        }

        public Options withClock(Clock value) {
            return new Options(offer, pinnedServerKey, listener, executor, requestTimeout, keyCacheTtl, chainStore,
                    limits, value, random, receiveHistory);
        }

        public Options withReceiveHistory(ReceiveHistory value) {
            return new Options(offer, pinnedServerKey, listener, executor, requestTimeout, keyCacheTtl, chainStore,
                    limits, clock, random, value);
        }
    }

    /** Per-message choices for {@link #send}: the clear metadata the server routes on. */
    public record SendOptions(String messageType, Classification classification) {
        /** {@code text}, {@code unclassified}. */
        public static final SendOptions DEFAULT = new SendOptions(TextContent.MESSAGE_TYPE, Classification.UNCLASSIFIED);
    }

    /** Where the connection is. */
    public enum State { HANDSHAKING, CONNECTED, AUTHENTICATING, AUTHENTICATED, CLOSED }

    private final Transport transport;
    private final Codec codec;
    private final Options options;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final SerialExecutor inbound;
    private final SerialExecutor events;
    private final PendingRequests pending = new PendingRequests();
    private final OutboundChannel outbound;
    private final KeyDirectory directory = new KeyDirectory();
    private final ConversationQueue conversations = new ConversationQueue();
    private final GroupDirectory groups = new GroupDirectory();
    private final FileTransfers transfers = new FileTransfers();
    private final AtomicReference<State> state = new AtomicReference<>(State.HANDSHAKING);
    private final CompletableFuture<NorcClient> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    // owned by the inbound executor
    private ClientHandshake handshake;
    private ReceiveSession receiveSession;
    private Inbox inbox;
    private CompletableFuture<Void> deliveries = CompletableFuture.completedFuture(null);

    // written once on the inbound executor, read anywhere
    private volatile SessionKeys sessionKeys;
    private volatile DeviceIdentity identity;
    private volatile long clockOffsetMicros;

    /** A cached pool of daemon threads named {@code prefix} + a number, for an SDK object that owns its executor. */
    static ExecutorService daemonThreads(String prefix) {
        return Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, prefix + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    private NorcClient(Transport transport, WireEncoding encoding, Options options) {
        this.transport = transport;
        this.codec = encoding.codec(options.limits());
        this.options = options;
        if (options.executor() == null) {
            this.ownedExecutor = daemonThreads("norc-client-");
            this.executor = ownedExecutor;
        } else {
            this.ownedExecutor = null;
            this.executor = options.executor();
        }
        this.inbound = new SerialExecutor(executor);
        this.events = new SerialExecutor(executor);
        this.outbound = new OutboundChannel(transport, pending);
    }

    /** {@link #connect(Transport, WireEncoding, Options)} with {@link Options#defaults()}. */
    public static CompletableFuture<NorcClient> connect(Transport transport, WireEncoding encoding) {
        return connect(transport, encoding, Options.defaults());
    }

    /**
     * Runs the NORC-C handshake over {@code transport} in {@code encoding} (which must match the
     * transport's subprotocol). Fails with the server's error code, {@code DOWNGRADE_DETECTED},
     * {@code INVALID_SIGNATURE}, or {@code AUTHENTICATION_FAILED} when a pinned key differs; the
     * transport is closed on failure.
     */
    public static CompletableFuture<NorcClient> connect(Transport transport, WireEncoding encoding, Options options) {
        NorcClient client = new NorcClient(transport, encoding, options);
        client.handshake = ClientHandshake.start(options.offer(), client.codec, options.random());
        transport.start(client.new TransportEvents());
        transport.send(client.handshake.requestBytes()).whenComplete((ignored, error) -> {
            if (error != null) {
                client.inbound.execute(() -> client.shutdown(unavailable("sending the handshake failed", error)));
            }
        });
        CompletableFuture<NorcClient> result = client.forCaller(client.connected);
        result.whenComplete((ignored, error) -> {
            if (error != null) {
                client.close();
            }
        });
        return result;
    }

    // ---- session facts -------------------------------------------------------------------------

    public State state() {
        return state.get();
    }

    /** The server's Ed25519 identity key from the handshake: pin it on first use (TOFU). */
    public byte[] serverPublicKey() {
        return keys().serverPublicKey().clone();
    }

    /** The server's domain as it named itself in the handshake. */
    public String serverId() {
        return keys().serverId();
    }

    public ProtocolVersion version() {
        return keys().version();
    }

    public CipherSuite suite() {
        return keys().suite();
    }

    public UUID sessionId() {
        return keys().sessionId();
    }

    /** The identity this connection authenticated as, or {@code null}. */
    public DeviceIdentity identity() {
        return identity;
    }

    /** Completes when the connection is over, however it ended. */
    public CompletableFuture<Void> closeFuture() {
        return closed.thenApply(v -> v);
    }

    // ---- registration and authentication (profile §5) ------------------------------------------

    /**
     * Registers {@code device} as a new device of its user with a one-time {@code enrollmentToken}
     * ({@code null} where the server allows open registration). Completes with the server's
     * {@code auth_response} ({@code registered}); the session then acts as that device. Fails with
     * the server's code, e.g. {@code REGISTRATION_REJECTED}.
     */
    public CompletableFuture<AuthResponse> register(DeviceIdentity device, String enrollmentToken) {
        beginAuthentication();
        try {
            return forCaller(authenticationRequest(signedRegistration(device, enrollmentToken), device,
                    AuthStatus.REGISTERED));
        } catch (RuntimeException e) {
            state.compareAndSet(State.AUTHENTICATING, State.CONNECTED);
            throw e;
        }
    }

    private DeviceRegister signedRegistration(DeviceIdentity device, String enrollmentToken) {
        DeviceRegister unsigned = new DeviceRegister(device.deviceId(), device.userId(), device.signingPublicKey(),
                device.kexPublicKey(), device.deviceInfo(), Optional.ofNullable(enrollmentToken), Optional.empty(),
                new byte[64]);
        byte[] signature = MessageSignatures.REGISTER.sign(device.signingSecretKey(), keys().transcriptHash(), codec,
                unsigned);
        DeviceRegister signed = new DeviceRegister(unsigned.deviceId(), unsigned.userId(), unsigned.publicKey(),
                unsigned.kexPublicKey(), unsigned.deviceInfo(), unsigned.enrollmentToken(), unsigned.proofOfWork(),
                signature);
        return signed;
    }

    /**
     * Proves possession of a registered device key ({@code auth_request}, channel-bound to this
     * session, timestamp in µs). Fails with the server's code, e.g. {@code AUTHENTICATION_FAILED}
     * or {@code STALE_TIMESTAMP_AUTH} when the clocks differ by more than 5 s ({@link #timeSync}).
     */
    public CompletableFuture<AuthResponse> authenticate(DeviceIdentity device) {
        beginAuthentication();
        try {
            return forCaller(authenticationRequest(signedAuthentication(device), device, AuthStatus.AUTHENTICATED));
        } catch (RuntimeException e) {
            state.compareAndSet(State.AUTHENTICATING, State.CONNECTED);
            throw e;
        }
    }

    private AuthRequest signedAuthentication(DeviceIdentity device) {
        AuthRequest unsigned = new AuthRequest(device.userId(), device.deviceId(), nowMicros(), new byte[64]);
        byte[] signature = MessageSignatures.AUTH.sign(device.signingSecretKey(), keys().transcriptHash(), codec,
                unsigned);
        return new AuthRequest(unsigned.userId(), unsigned.deviceId(), unsigned.timestamp(), signature);
    }

    private void beginAuthentication() {
        if (!state.compareAndSet(State.CONNECTED, State.AUTHENTICATING)) {
            throw new IllegalStateException("register or authenticate once, after connecting (state " + state.get() + ")");
        }
    }

    private CompletableFuture<AuthResponse> authenticationRequest(NorcMessage request, DeviceIdentity device,
                                                                  AuthStatus expected) {
        CompletableFuture<AuthResponse> answer = outbound.request(PendingRequests.Kind.AUTH, null, request, reply -> {
            AuthResponse response = (AuthResponse) reply;
            if (response.status() != expected || !response.userId().equals(device.userId())
                    || !response.deviceId().equals(device.deviceId())) {
                throw new NorcException(ErrorCode.UNEXPECTED_MESSAGE, "auth_response does not match the request");
            }
            // on the inbound thread, before any later frame: deliveries may follow at once
            ReceiveHistory history = options.receiveHistory() != null ? options.receiveHistory() : ReceiveHistory.create();
            this.inbox = new Inbox(device.deviceId(), device.kexSecretKey(), history);
            this.identity = device;
            state.compareAndSet(State.AUTHENTICATING, State.AUTHENTICATED);
            return response;
        });
        // the caller's future completes only after the state is back, so it may register or
        // authenticate again as soon as it hears the refusal
        return answer.whenComplete((ignored, error) -> {
            if (error != null) {
                state.compareAndSet(State.AUTHENTICATING, State.CONNECTED);
            }
        });
    }

    // ---- keys ----------------------------------------------------------------------------------

    /**
     * Fetches the device keys of {@code userIds} ({@code key_request}); an unknown user, or one this
     * device may not see, maps to an empty map (profile §5). Refreshes the key cache.
     */
    public CompletableFuture<Map<String, Map<UUID, KeyResponse.DeviceKey>>> fetchKeys(List<String> userIds) {
        requireAuthenticated();
        List<String> users = distinctUsers(userIds);
        return forCaller(fetchKeysInternal(users));
    }

    /** Users per {@code key_request}: the server's default limit (a group's members go in several). */
    private static final int USERS_PER_KEY_REQUEST = 256;

    private CompletableFuture<Map<String, Map<UUID, KeyResponse.DeviceKey>>> fetchKeysInternal(List<String> users) {
        if (users.size() > USERS_PER_KEY_REQUEST) {
            Map<String, Map<UUID, KeyResponse.DeviceKey>> all = new ConcurrentHashMap<>();
            CompletableFuture<?>[] parts = new CompletableFuture<?>[(users.size() + USERS_PER_KEY_REQUEST - 1) / USERS_PER_KEY_REQUEST];
            for (int i = 0; i < parts.length; i++) {
                List<String> part = users.subList(i * USERS_PER_KEY_REQUEST, Math.min(users.size(), (i + 1) * USERS_PER_KEY_REQUEST));
                parts[i] = fetchKeysInternal(List.copyOf(part)).thenAccept(all::putAll);
            }
            return CompletableFuture.allOf(parts).thenApply(ignored -> all);
        }
        return outbound.request(PendingRequests.Kind.KEYS, null, new KeyRequest(users, Optional.empty()), reply -> {
            KeyResponse response = (KeyResponse) reply;
            directory.update(response, options.clock().instant());
            return response.keys();
        });
    }

    /**
     * Rotates this device's key (groups profile C): registers {@code successor} (from
     * {@link DeviceIdentity#successor}) with both signatures; completes with the user's active
     * devices, the old and the new one included. The old identity stays valid only for the
     * server's overlap (7 days by default): keep it to drain its inbox, then erase it. Fails with
     * {@code 3017} when this device already rotated or the new id is in use, {@code 3010} for a
     * clock more than 300 s off, {@code 3011} when the server does not offer {@code key_rotation_v1}.
     */
    public CompletableFuture<Map<UUID, KeyResponse.DeviceKey>> rotate(DeviceIdentity successor) {
        DeviceIdentity me = requireAuthenticated();
        if (!successor.userId().equals(me.userId()) || successor.deviceId().equals(me.deviceId())) {
            throw new IllegalArgumentException("the successor is a new device of the same user");
        }
        DeviceKeyRotate rotate = norc.session.DeviceRotation.sign(me.signingSecretKey(), successor.signingSecretKey(),
                me.userId(), me.deviceId(), successor.deviceId(), successor.kexPublicKey(), nowMicros());
        return forCaller(outbound.request(PendingRequests.Kind.KEYS, null, rotate, reply -> {
            KeyResponse response = (KeyResponse) reply;
            directory.update(response, options.clock().instant());
            return response.keys().getOrDefault(me.userId(), Map.of());
        }));
    }

    // ---- messages (profile §6) -----------------------------------------------------------------

    /** {@link #send(UUID, List, byte[], SendOptions)} with {@link SendOptions#DEFAULT}. */
    public CompletableFuture<SentMessage> send(UUID conversationId, List<String> recipientUserIds, byte[] content) {
        return send(conversationId, recipientUserIds, content, SendOptions.DEFAULT);
    }

    /**
     * Sends {@code content} end-to-end encrypted to every device of {@code recipientUserIds} and to
     * this user's other devices: fetches keys (cached for the TTL), seals one envelope with a key
     * wrapped per device, signs it, and completes when the server answers {@code message_ack
     * accepted}. Fails with the code of a server {@code error} or {@code message_ack failed}, or
     * {@code FORBIDDEN} when a recipient has no device. Messages of one conversation leave one
     * after another (the next waits for the previous answer), so a refused message never breaks
     * the conversation chain; different conversations proceed in parallel.
     */
    public CompletableFuture<SentMessage> send(UUID conversationId, List<String> recipientUserIds, byte[] content,
                                               SendOptions sendOptions) {
        List<String> recipients = checkSend(conversationId, recipientUserIds, content, sendOptions);
        DeviceIdentity me = requireAuthenticated();
        byte[] payload = content.clone();
        return forCaller(conversations.enqueue(conversationId,
                () -> sealNow(me, conversationId, recipients, payload, sendOptions).thenCompose(sealed -> transmitSealed(me, sealed))));
    }

    /**
     * Seals {@code content} for {@code recipientUserIds} as {@link #send} would, for the next link
     * of this device's chain in {@code conversationId}, without sending it: fetches keys (cached
     * for the TTL), wraps a content key per device, signs. The chain does not move until the sealed
     * message is accepted ({@link #send(SealedMessage)}), so a caller that seals keeps one message
     * per conversation between sealing and acceptance, and does not mix this with
     * {@link #send(UUID, List, byte[], SendOptions)} in the same conversation. Fails like
     * {@code send} does before anything is sent ({@code FORBIDDEN} when a recipient has no device).
     */
    public CompletableFuture<SealedMessage> seal(UUID conversationId, List<String> recipientUserIds, byte[] content,
                                                 SendOptions sendOptions) {
        List<String> recipients = checkSend(conversationId, recipientUserIds, content, sendOptions);
        DeviceIdentity me = requireAuthenticated();
        return forCaller(sealNow(me, conversationId, recipients, content.clone(), sendOptions));
    }

    /**
     * Sends a {@link #seal}ed message, or sends it again: the same {@code message_id} and bytes, on
     * this connection or on a later one of the same device (the server stores a message id once).
     * Completes on {@code message_ack accepted}, and the conversation's chain then moves past it;
     * fails like {@link #send}. When the chain already moved past this message (an earlier attempt
     * was accepted), completes at once without sending. Fails with {@code CHAIN_MISMATCH}, sending
     * nothing, when the chain moved on otherwise: the message no longer continues it, and its
     * content must be sealed again.
     */
    public CompletableFuture<SentMessage> send(SealedMessage message) {
        Objects.requireNonNull(message, "message");
        DeviceIdentity me = requireAuthenticated();
        if (!message.senderDeviceId.equals(me.deviceId())) {
            throw new IllegalArgumentException("sealed by another device");
        }
        return forCaller(message.toGroup() ? transmitToGroup(me, message, 1) : transmitSealed(me, message));
    }

    /** What {@code send} and {@code seal} refuse before doing anything; returns the distinct recipients. */
    private List<String> checkSend(UUID conversationId, List<String> recipientUserIds, byte[] content, SendOptions sendOptions) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(sendOptions, "sendOptions");
        List<String> recipients = distinctUsers(recipientUserIds);
        checkContent(content);
        return recipients;
    }

    private void checkContent(byte[] content) {
        if (content.length > options.limits().maxMessageBytes() - CONTENT_HEADROOM) {
            throw new IllegalArgumentException("content too large for one message; use file chunks");
        }
    }

    private CompletableFuture<SealedMessage> sealNow(DeviceIdentity me, UUID conversationId, List<String> recipients,
                                                     byte[] content, SendOptions sendOptions) {
        List<String> users = new ArrayList<>(recipients);
        if (!users.contains(me.userId())) {
            users.add(me.userId());
        }
        return keysFor(users).thenApplyAsync(keys -> {
            List<Envelope.RecipientDevice> devices = new ArrayList<>();
            boolean ownOtherDevices = false;
            for (String user : users) {
                Map<UUID, KeyResponse.DeviceKey> userDevices = keys.getOrDefault(user, Map.of());
                if (userDevices.isEmpty() && !user.equals(me.userId())) {
                    throw new NorcException(ErrorCode.FORBIDDEN, "a recipient has no device");
                }
                for (Map.Entry<UUID, KeyResponse.DeviceKey> device : userDevices.entrySet()) {
                    if (!device.getKey().equals(me.deviceId())) {
                        devices.add(new Envelope.RecipientDevice(device.getKey(), device.getValue().kexPublicKey()));
                        ownOtherDevices |= user.equals(me.userId());
                    }
                }
            }
            if (devices.isEmpty()) {
                throw new NorcException(ErrorCode.FORBIDDEN, "no recipient device");
            }
            List<String> routed = new ArrayList<>(recipients);
            if (ownOtherDevices && !routed.contains(me.userId())) {
                routed.add(me.userId()); // so that the server routes the copies of this user's other devices
            }
            ConversationChain.Link link = options.chainStore().next(conversationId);
            MessageSend message = Envelope.seal(me.envelopeSender(), UUID.randomUUID(), conversationId, routed,
                    new MessageSend.Metadata(nowMicros(), sendOptions.messageType(), sendOptions.classification()), link,
                    content, devices, options.random());
            return new SealedMessage(message, me.deviceId(), devices.size());
        }, executor);
    }

    private CompletableFuture<SentMessage> transmitSealed(DeviceIdentity me, SealedMessage sealed) {
        ChainStore chains = options.chainStore();
        UUID conversationId = sealed.conversationId();
        ConversationChain.Link link = sealed.link();
        ConversationChain.Link after = new ConversationChain.Link(link.sequence() + 1,
                Blake3.hash(sealed.message.ciphertext()));
        SentMessage sent = new SentMessage(sealed.messageId(), conversationId, link.sequence(), sealed.deviceCount());
        ConversationChain.Link head = chains.next(conversationId);
        if (sameLink(head, after)) {
            return CompletableFuture.completedFuture(sent); // accepted before; the chain moved past it
        }
        if (!sameLink(head, link)) {
            return CompletableFuture.failedFuture(new NorcException(ErrorCode.CHAIN_MISMATCH,
                    "the conversation's chain moved on: seal the content again"));
        }
        return outbound.request(PendingRequests.Kind.SEND, sealed.messageId(), sealed.message, reply -> {
            MessageAck ack = (MessageAck) reply;
            if (ack.status() != AckStatus.ACCEPTED) {
                throw new NorcException(errorCode(ack.errorCode().orElse((long) ErrorCode.INTERNAL.code())),
                        "message_ack failed");
            }
            chains.save(conversationId, after);
            return sent;
        });
    }

    private static boolean sameLink(ConversationChain.Link a, ConversationChain.Link b) {
        return a.sequence() == b.sequence() && java.security.MessageDigest.isEqual(a.prevHash(), b.prevHash());
    }

    /** The devices of {@code users}, from the cache when fetched within the TTL, else fetched. */
    private CompletableFuture<Map<String, Map<UUID, KeyResponse.DeviceKey>>> keysFor(List<String> users) {
        Instant now = options.clock().instant();
        Map<String, Map<UUID, KeyResponse.DeviceKey>> known = new ConcurrentHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String user : users) {
            Map<UUID, KeyResponse.DeviceKey> devices = directory.fresh(user, now, options.keyCacheTtl());
            if (devices == null) {
                missing.add(user);
            } else {
                known.put(user, devices);
            }
        }
        if (missing.isEmpty()) {
            return CompletableFuture.completedFuture(known);
        }
        return fetchKeysInternal(missing).thenApply(fetched -> {
            for (String user : missing) {
                known.put(user, directory.devices(user));
            }
            return known;
        });
    }

    // ---- groups (groups profile A) -------------------------------------------------------------

    /** Every group request is retried this often after a {@code 3013} (the client refreshes and re-wraps in between). */
    private static final int GROUP_ATTEMPTS = 3;

    /**
     * Creates a group of this user (its owner) and {@code members} (each {@code admin} or
     * {@code member}), titled {@code title}: the title sealed in an info envelope whose key is
     * wrapped for every device of the group, this one included. Completes with the group once the
     * server's signed {@code created} arrives; fails with {@code 2004} naming no one (the server
     * names unavailable users in the error's details, {@link ServerError#details()}).
     */
    public CompletableFuture<GroupView> createGroup(Map<String, InvitedRole> members, String title) {
        DeviceIdentity me = requireAuthenticated();
        UUID conversationId = UUID.randomUUID();
        UUID requestId = UUID.randomUUID();
        List<String> users = new ArrayList<>(members.keySet());
        users.add(me.userId());
        return forCaller(keysFor(users).thenCompose(keys -> {
            ConversationInfo info = sealInfo(me, conversationId, title, devicesOf(users, keys, null));
            return groupRequest(requestId, new ConversationCreate(requestId, conversationId, Map.copyOf(members), info));
        }));
    }

    /** Adds {@code users} as {@code role}; their devices get the envelope's key (this device must hold it). */
    public CompletableFuture<GroupView> addToGroup(UUID conversationId, List<String> users, InvitedRole role) {
        List<String> subjects = encodedOrder(users);
        return updateGroup(conversationId, 0, group -> keysFor(subjects).thenApply(keys -> {
            if (group.infoKey() == null) {
                throw new NorcException(ErrorCode.FORBIDDEN, "this device holds no key of the group's info");
            }
            Map<UUID, MessageSend.WrappedKey> infoKeys = wrapInfoKey(group, devicesOf(subjects, keys, null));
            return new ConversationUpdate(UUID.randomUUID(), conversationId, group.version(), ConversationAction.ADD, subjects,
                    Optional.of(role.role()), Optional.empty(), infoKeys);
        }));
    }

    /** Removes {@code users} (members; admins only by the owner). */
    public CompletableFuture<GroupView> removeFromGroup(UUID conversationId, List<String> users) {
        List<String> subjects = encodedOrder(users);
        return updateGroup(conversationId, 0, group -> CompletableFuture.completedFuture(new ConversationUpdate(UUID.randomUUID(),
                conversationId, group.version(), ConversationAction.REMOVE, subjects, Optional.empty(), Optional.empty(), Map.of())));
    }

    /** Leaves the group; completes when the server confirmed (the group is then forgotten). */
    public CompletableFuture<Void> leaveGroup(UUID conversationId) {
        return updateGroup(conversationId, 0, group -> CompletableFuture.completedFuture(new ConversationUpdate(UUID.randomUUID(),
                conversationId, group.version(), ConversationAction.LEAVE, List.of(), Optional.empty(), Optional.empty(), Map.of())))
                .thenApply(ignored -> null);
    }

    /** Gives {@code user} {@code role} (the owner only; {@code owner} transfers ownership and makes this user admin). */
    public CompletableFuture<GroupView> setRole(UUID conversationId, String user, Role role) {
        return updateGroup(conversationId, 0, group -> CompletableFuture.completedFuture(new ConversationUpdate(UUID.randomUUID(),
                conversationId, group.version(), ConversationAction.SET_ROLE, List.of(user), Optional.of(role), Optional.empty(),
                Map.of())));
    }

    /** Asks the server for the group's current membership ({@code membership_request}); fails {@code 2001} for a non-member. */
    public CompletableFuture<GroupView> refreshGroup(UUID conversationId) {
        requireAuthenticated();
        UUID requestId = UUID.randomUUID();
        return forCaller(groupRequest(requestId, new MembershipRequest(requestId, conversationId)));
    }

    /** The group as this device knows it, if it is in it. */
    public Optional<GroupView> group(UUID conversationId) {
        return groups.get(conversationId).map(this::view);
    }

    /** Every group this device knows it is in. */
    public List<GroupView> groups() {
        return groups.all().values().stream().map(this::view).toList();
    }

    /**
     * Sends {@code content} to a group (A.5): one envelope whose content key is wrapped for every
     * device of every member but this one, no recipients on the wire. On {@code 3013} it refreshes
     * the membership and the named users' keys and sends the same message, re-wrapped, again.
     */
    public CompletableFuture<SentMessage> sendToGroup(UUID conversationId, byte[] content, SendOptions sendOptions) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(sendOptions, "sendOptions");
        checkContent(content);
        DeviceIdentity me = requireAuthenticated();
        byte[] payload = content.clone();
        return forCaller(conversations.enqueue(conversationId, () -> sealGroupNow(me, conversationId, payload, sendOptions)
                .thenCompose(sealed -> transmitToGroup(me, sealed, 1).whenComplete((sent, error) -> sealed.erase()))));
    }

    /** {@link #sendToGroup(UUID, byte[], SendOptions)} with {@link SendOptions#DEFAULT}. */
    public CompletableFuture<SentMessage> sendToGroup(UUID conversationId, byte[] content) {
        return sendToGroup(conversationId, content, SendOptions.DEFAULT);
    }

    /**
     * Seals {@code content} for a group as {@link #sendToGroup} would, without sending it (for
     * {@link #send(SealedMessage)}, which answers a {@code 3013} by re-wrapping as sendToGroup
     * does). The sealed message keeps its content key until {@link SealedMessage#erase}.
     */
    public CompletableFuture<SealedMessage> sealForGroup(UUID conversationId, byte[] content, SendOptions sendOptions) {
        Objects.requireNonNull(conversationId, "conversationId");
        checkContent(content);
        DeviceIdentity me = requireAuthenticated();
        return forCaller(sealGroupNow(me, conversationId, content.clone(), sendOptions));
    }

    private CompletableFuture<SealedMessage> sealGroupNow(DeviceIdentity me, UUID conversationId, byte[] content,
                                                         SendOptions sendOptions) {
        return knownGroup(conversationId).thenCompose(group -> keysFor(List.copyOf(group.members().keySet())).thenApply(keys -> {
            ConversationChain.Link link = options.chainStore().next(conversationId);
            List<Envelope.RecipientDevice> devices = devicesOf(List.copyOf(group.members().keySet()), keys, me.deviceId());
            Envelope.Sealed sealed = Envelope.sealKeepingKey(me.envelopeSender(), UUID.randomUUID(), conversationId, List.of(),
                    new MessageSend.Metadata(nowMicros(), sendOptions.messageType(), sendOptions.classification()), link,
                    content, devices, options.random());
            return new SealedMessage(sealed.message(), me.deviceId(), devices.size(), sealed.contentKey());
        }));
    }

    private CompletableFuture<SentMessage> transmitToGroup(DeviceIdentity me, SealedMessage sealed, int attempt) {
        return transmitSealed(me, sealed).handle((sent, error) -> {
            Optional<ServerError> server = ServerError.of(error);
            if (error == null || attempt >= GROUP_ATTEMPTS || server.isEmpty() || sealed.contentKey == null
                    || server.get().code() != ErrorCode.MEMBERSHIP_CHANGED.code()) {
                return error == null ? CompletableFuture.completedFuture(sent) : CompletableFuture.<SentMessage>failedFuture(error);
            }
            // the group or a member's devices changed: learn them, wrap the same content key for them, send the same message
            List<String> stale = staleUsers(server.get());
            MessageSend message = sealed.message;
            return refreshGroupInternal(message.conversationId())
                    .thenCompose(group -> fetchKeysInternal(stale.isEmpty() ? List.copyOf(group.members().keySet()) : stale)
                            .thenCompose(ignored -> keysFor(List.copyOf(group.members().keySet())))
                            .thenCompose(keys -> {
                                List<Envelope.RecipientDevice> devices = devicesOf(List.copyOf(group.members().keySet()), keys,
                                        me.deviceId());
                                MessageSend rewrapped = Envelope.rewrap(message, sealed.contentKey, devices, options.random());
                                return transmitToGroup(me, new SealedMessage(rewrapped, me.deviceId(), devices.size(), sealed.contentKey),
                                        attempt + 1);
                            }));
        }).thenCompose(next -> next);
    }

    private static List<String> staleUsers(ServerError error) {
        String named = error.details().getOrDefault("stale_users", "");
        return named.isEmpty() ? List.of() : List.of(named.split("\n"));
    }

    /** One {@code conversation_update}, built from the group as known, sent again after a {@code 3013} with the group refreshed. */
    private CompletableFuture<GroupView> updateGroup(UUID conversationId, int attempt,
                                                     Function<GroupDirectory.Group, CompletableFuture<ConversationUpdate>> build) {
        requireAuthenticated();
        return forCaller(knownGroup(conversationId).thenCompose(build).thenCompose(update -> groupRequest(update.requestId(), update))
                .handle((view, error) -> {
                    Optional<ServerError> server = ServerError.of(error);
                    if (error != null && attempt + 1 < GROUP_ATTEMPTS && server.isPresent()
                            && server.get().code() == ErrorCode.MEMBERSHIP_CHANGED.code()) {
                        List<String> stale = staleUsers(server.get());
                        return refreshGroupInternal(conversationId)
                                .thenCompose(g -> stale.isEmpty() ? CompletableFuture.completedFuture(null) : fetchKeysInternal(stale))
                                .thenCompose(ignored -> updateGroup(conversationId, attempt + 1, build));
                    }
                    return error == null ? CompletableFuture.completedFuture(view) : CompletableFuture.<GroupView>failedFuture(error);
                }).thenCompose(next -> next));
    }

    /** The group as known, or as the server tells it now when this device has not heard of it. */
    private CompletableFuture<GroupDirectory.Group> knownGroup(UUID conversationId) {
        Optional<GroupDirectory.Group> known = groups.get(conversationId);
        return known.isPresent() ? CompletableFuture.completedFuture(known.get()) : refreshGroupInternal(conversationId);
    }

    private CompletableFuture<GroupDirectory.Group> refreshGroupInternal(UUID conversationId) {
        UUID requestId = UUID.randomUUID();
        return groupRequest(requestId, new MembershipRequest(requestId, conversationId)).thenApply(view -> groups.get(conversationId)
                .orElseThrow(() -> new NorcException(ErrorCode.FORBIDDEN, "not a member")));
    }

    /** Sends a group request; its answer (the update carrying {@code requestId}) is applied before the future completes. */
    private CompletableFuture<GroupView> groupRequest(UUID requestId, NorcMessage request) {
        DeviceIdentity me = requireAuthenticated();
        return outbound.request(PendingRequests.Kind.GROUP, requestId, request, reply -> {
            MembershipUpdate update = (MembershipUpdate) reply;
            long before = groups.get(update.conversationId()).map(GroupDirectory.Group::version).orElse(0L);
            GroupDirectory.Outcome outcome = applyGroupUpdate(me, update);
            if (outcome == GroupDirectory.Outcome.INVALID) {
                throw new NorcException(ErrorCode.INVALID_SIGNATURE, "membership statement not signed by the server");
            }
            Optional<GroupDirectory.Group> group = groups.get(update.conversationId());
            boolean news = update.change() != MembershipChange.SNAPSHOT || update.membershipVersion() != before;
            if ((outcome == GroupDirectory.Outcome.APPLIED || outcome == GroupDirectory.Outcome.DEPARTED) && news) {
                emit(listener -> listener.onGroupChanged(change(update))); // a snapshot that changed nothing is no news
            }
            return group.map(this::view).orElse(new GroupView(update.conversationId(), update.membershipVersion(), Map.of(),
                    Optional.empty()));
        });
    }

    /** An inbox copy of a group's statement: applied (a snapshot asked for when it does not fit), told, acknowledged. */
    private void onGroupCopy(MembershipUpdate update) {
        DeviceIdentity me = identity;
        if (me == null || state.get() == State.CLOSED) {
            return;
        }
        Map<UUID, KeyResponse.DeviceKey> ownBefore = directory.devices(me.userId());
        Map<String, Map<UUID, KeyResponse.DeviceKey>> othersBefore = new HashMap<>();
        if (update.change() == MembershipChange.DEVICES_CHANGED) {
            update.subjects().stream().filter(user -> !user.equals(me.userId()))
                    .forEach(user -> othersBefore.put(user, directory.known(user)));
        }
        GroupDirectory.Outcome outcome = applyGroupUpdate(me, update);
        if (outcome == GroupDirectory.Outcome.APPLIED && update.change() == MembershipChange.DEVICES_CHANGED) {
            if (update.subjects().contains(me.userId())) {
                shareInfoKey(me, update.conversationId(), ownBefore.keySet());
            }
            othersBefore.forEach((user, before) -> shareInfoKeyAsOwner(me, update.conversationId(), user, before));
        }
        switch (outcome) {
            case APPLIED, DEPARTED -> emit(listener -> listener.onGroupChanged(change(update)));
            case STALE -> refreshGroupInternal(update.conversationId()).exceptionally(error -> null);
            case INVALID -> emit(listener -> listener.onError(new NorcException(ErrorCode.INVALID_SIGNATURE,
                    "membership statement not signed by the server")));
            case KNOWN -> { }
        }
        acknowledge(update.updateId());
    }

    /**
     * A.2: this user has a new device in the group. A device holding the envelope's key wraps it
     * for the devices it had not seen in this user's keys ({@code add_info_keys}), so the new one
     * can read the title. Only when it knew this user's devices before (else it cannot tell the new
     * ones); a sibling that was quicker makes the server answer {@code 3014}, which is ignored.
     */
    private void shareInfoKey(DeviceIdentity me, UUID conversationId, Set<UUID> known) {
        Optional<GroupDirectory.Group> group = groups.get(conversationId);
        if (known.isEmpty() || group.isEmpty() || group.get().infoKey() == null) {
            return;
        }
        fetchKeysInternal(List.of(me.userId())).thenCompose(fresh -> {
            List<Envelope.RecipientDevice> added = new ArrayList<>();
            fresh.getOrDefault(me.userId(), Map.of()).forEach((device, key) -> {
                if (!known.contains(device) && !device.equals(me.deviceId())) {
                    added.add(new Envelope.RecipientDevice(device, key.kexPublicKey()));
                }
            });
            return addInfoKeys(conversationId, added);
        }).exceptionally(error -> null);
    }

    /**
     * A.2's fallback: the owner wraps the envelope's key for another member's new devices when
     * that member has no other device that could ({@code before}: its devices when this owner last
     * fetched them, null if never; then only a member with a single device counts as having no
     * other). A device that has an entry already makes the server answer {@code 3014}, ignored.
     */
    private void shareInfoKeyAsOwner(DeviceIdentity me, UUID conversationId, String user, Map<UUID, KeyResponse.DeviceKey> before) {
        Optional<GroupDirectory.Group> group = groups.get(conversationId);
        if (group.isEmpty() || group.get().infoKey() == null || group.get().members().get(me.userId()) != Role.OWNER
                || !group.get().members().containsKey(user)) {
            return;
        }
        fetchKeysInternal(List.of(user)).thenCompose(fresh -> {
            Map<UUID, KeyResponse.DeviceKey> now = fresh.getOrDefault(user, Map.of());
            List<Envelope.RecipientDevice> added = new ArrayList<>();
            boolean sibling = before == null ? now.size() > 1 : now.keySet().stream().anyMatch(before::containsKey);
            if (!sibling) {
                now.forEach((device, key) -> {
                    if (before == null || !before.containsKey(device)) {
                        added.add(new Envelope.RecipientDevice(device, key.kexPublicKey()));
                    }
                });
            }
            return addInfoKeys(conversationId, added);
        }).exceptionally(error -> null);
    }

    /** {@code add_info_keys} for {@code added}, if any and the envelope's key is still held. */
    private CompletableFuture<?> addInfoKeys(UUID conversationId, List<Envelope.RecipientDevice> added) {
        Optional<GroupDirectory.Group> now = groups.get(conversationId);
        if (added.isEmpty() || now.isEmpty() || now.get().infoKey() == null) {
            return CompletableFuture.completedFuture(null);
        }
        UUID requestId = UUID.randomUUID();
        return groupRequest(requestId, new ConversationUpdate(requestId, conversationId, now.get().version(),
                ConversationAction.ADD_INFO_KEYS, List.of(), Optional.empty(), Optional.empty(), wrapInfoKey(now.get(), added)));
    }

    private GroupDirectory.Outcome applyGroupUpdate(DeviceIdentity me, MembershipUpdate update) {
        return groups.apply(update, me.userId(), serverPublicKey(), info -> {
            MessageSend.WrappedKey own = info.keys().get(me.deviceId());
            if (own == null) {
                return null;
            }
            try {
                return KeyWrap.unwrap(new KeyWrap.Wrapped(own.ephemeralPublicKey(), own.wrappedKey()), info.infoId(), update.conversationId(),
                        me.deviceId(), me.kexSecretKey());
            } catch (NorcException e) {
                return null; // not for this device's key: the title stays unknown
            }
        });
    }

    private GroupChange change(MembershipUpdate update) {
        return new GroupChange(update.conversationId(), update.membershipVersion(), update.change(), update.actor(), update.subjects(),
                group(update.conversationId()));
    }

    private GroupView view(GroupDirectory.Group group) {
        Optional<String> title = Optional.empty();
        if (group.infoKey() != null) {
            try {
                title = Optional.of(ConversationInfoSeal.decrypt(group.infoKey(), group.conversationId(), group.info()).title());
            } catch (NorcException e) {
                title = Optional.empty();
            }
        }
        return new GroupView(group.conversationId(), group.version(), group.members(), title);
    }

    /** A new envelope for {@code title}: a fresh {@code info_key} wrapped for {@code devices}, signed by this device. */
    private ConversationInfo sealInfo(DeviceIdentity me, UUID conversationId, String title, List<Envelope.RecipientDevice> devices) {
        UUID infoId = UUID.randomUUID();
        byte[] infoKey = new byte[32];
        options.random().nextBytes(infoKey);
        try {
            byte[] ciphertext = ConversationInfoSeal.encrypt(infoKey, conversationId, infoId, new ConversationInfo.Plain(title, Map.of()));
            return ConversationInfoSeal.sign(me.signingSecretKey(), conversationId, infoId, me.userId(), me.deviceId(), ciphertext,
                    wrap(infoKey, infoId, conversationId, devices));
        } finally {
            Arrays.fill(infoKey, (byte) 0);
        }
    }

    private Map<UUID, MessageSend.WrappedKey> wrapInfoKey(GroupDirectory.Group group, List<Envelope.RecipientDevice> devices) {
        return wrap(group.infoKey(), group.info().infoId(), group.conversationId(), devices);
    }

    private Map<UUID, MessageSend.WrappedKey> wrap(byte[] key, UUID infoId, UUID conversationId, List<Envelope.RecipientDevice> devices) {
        Map<UUID, MessageSend.WrappedKey> keys = new LinkedHashMap<>();
        for (Envelope.RecipientDevice device : devices) {
            KeyWrap.Wrapped wrapped = KeyWrap.wrap(key, infoId, conversationId, device.deviceId(), device.kexPublicKey(), options.random());
            keys.put(device.deviceId(), new MessageSend.WrappedKey(wrapped.ephemeralPublicKey(), wrapped.wrappedKey()));
        }
        return keys;
    }

    /** Every device of {@code users} in {@code keys}, {@code except} one (this device, or null for none). */
    private static List<Envelope.RecipientDevice> devicesOf(List<String> users, Map<String, Map<UUID, KeyResponse.DeviceKey>> keys,
                                                            UUID except) {
        List<Envelope.RecipientDevice> devices = new ArrayList<>();
        for (String user : users) {
            keys.getOrDefault(user, Map.of()).forEach((device, key) -> {
                if (!device.equals(except)) {
                    devices.add(new Envelope.RecipientDevice(device, key.kexPublicKey()));
                }
            });
        }
        return devices;
    }

    /** {@code subjects} as the server wants them: distinct, ascending by encoded bytes (A.3). */
    private static List<String> encodedOrder(List<String> users) {
        return users.stream().distinct().sorted((a, b) -> {
            byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
        }).toList();
    }

    // ---- files (groups profile B) ---------------------------------------------------------------

    /** Chunk uploads or requests a transfer keeps in flight at once. */
    private static final int FILE_WINDOW = 8;

    /**
     * A file to send into {@code conversationId}, its {@code file_id} and {@code file_key} chosen now
     * ({@link #uploadFile}, then {@link #shareFile}; or {@link #sendFile} for both). {@code name}
     * and {@code mimeType} travel only inside the encrypted manifest.
     */
    public OutgoingFile prepareFile(UUID conversationId, Path file, String name, String mimeType) throws java.io.IOException {
        long size = java.nio.file.Files.size(file);
        if (size > FileCrypto.MAX_FILE_SIZE) {
            throw new IllegalArgumentException("larger than the largest file (100 MiB)");
        }
        byte[] fileKey = new byte[32];
        options.random().nextBytes(fileKey);
        return new OutgoingFile(UUID.randomUUID(), conversationId, file, name, mimeType, size, fileKey);
    }

    /**
     * Uploads {@code file}'s encrypted chunks: first asks what the server already holds (an
     * upload resumed on a later connection sends only the rest), then the missing chunks, a few
     * in flight at once, each read from disk as it goes (never the whole file in memory).
     * Completes once the server acknowledged every chunk as stored, with the number of chunks it
     * held before (those of an earlier, cut-off upload). Blocks one thread of the client's
     * executor while it runs.
     */
    public CompletableFuture<Integer> uploadFile(OutgoingFile file, FileProgress progress) {
        requireAuthenticated();
        return forCaller(CompletableFuture.supplyAsync(() -> upload(file, progress), executor));
    }

    /**
     * Seals an uploaded file with its manifest and shares it: to a group's devices when
     * {@code recipients} is empty (re-wrapped after a {@code 3013}), else to every device of
     * {@code recipients} and this user's other devices. Completes on {@code message_ack accepted}.
     */
    public CompletableFuture<Void> shareFile(OutgoingFile file, List<String> recipients) {
        DeviceIdentity me = requireAuthenticated();
        return forCaller(CompletableFuture.supplyAsync(() -> chunkHashes(file), executor)
                .thenCompose(hashes -> shareFile(me, file, hashes, recipients, 1)));
    }

    /** {@link #prepareFile}, {@link #uploadFile} and {@link #shareFile} in one; completes with the file's id. */
    public CompletableFuture<UUID> sendFile(UUID conversationId, List<String> recipients, Path path, String name, String mimeType,
                                            FileProgress progress) throws java.io.IOException {
        OutgoingFile file = prepareFile(conversationId, path, name, mimeType);
        return uploadFile(file, progress).thenCompose(ignored -> shareFile(file, recipients))
                .whenComplete((ok, error) -> file.erase()).thenApply(ignored -> file.fileId());
    }

    /**
     * Downloads a shared file into {@code target}: every chunk fetched (a few in flight), checked
     * against the manifest's hash and decrypted before it is written. Fails {@code FORBIDDEN} when
     * the server refuses (not allowed any more, expired), {@code DECRYPT_FAILED} on a bad chunk.
     */
    public CompletableFuture<Void> downloadFile(ReceivedFile file, Path target, FileProgress progress) {
        requireAuthenticated();
        return forCaller(CompletableFuture.runAsync(() -> download(file, target, progress), executor));
    }

    private int upload(OutgoingFile file, FileProgress progress) {
        int count = file.chunkCount();
        long padded = file.paddedSize();
        FileUploadAck held = awaitFile(uploadChunk(file, 0, new byte[0])); // what the server holds already
        int before = 0;
        for (int i = 0; i < count; i++) {
            before += (held.received()[i >> 3] & (0x80 >> (i & 7))) != 0 ? 1 : 0;
        }
        byte[] chunkKey = FileCrypto.chunkKey(file.fileKey, file.fileId);
        java.util.ArrayDeque<CompletableFuture<FileUploadAck>> inFlight = new java.util.ArrayDeque<>();
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file.path)) {
            long done = 0;
            for (int i = 0; i < count; i++) {
                int length = (int) Math.min(FileCrypto.CHUNK_SIZE, file.size - (long) i * FileCrypto.CHUNK_SIZE);
                done += length;
                if ((held.received()[i >> 3] & (0x80 >> (i & 7))) != 0) {
                    progress.progress(done, file.size);
                    continue;
                }
                byte[] plain = readChunk(channel, i, length);
                byte[] ciphertext = FileCrypto.encryptChunk(chunkKey, file.fileId, i, count, plain, 0, length);
                while (inFlight.size() >= FILE_WINDOW) {
                    awaitFile(inFlight.poll());
                }
                inFlight.add(uploadChunk(file, i, ciphertext));
                progress.progress(done, file.size);
            }
            while (!inFlight.isEmpty()) {
                awaitFile(inFlight.poll());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            java.util.Arrays.fill(chunkKey, (byte) 0);
        }
        if (padded != file.paddedSize()) {
            throw new IllegalStateException("file changed while uploading");
        }
        return before;
    }

    private CompletableFuture<FileUploadAck> uploadChunk(OutgoingFile file, long index, byte[] ciphertext) {
        CompletableFuture<FileUploadAck> ack = transfers.expectAck(file.fileId);
        transmitFileRequest(new FileChunkUpload(file.fileId, file.conversationId, file.chunkCount(), file.paddedSize(), index,
                ciphertext), ack);
        return ack.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends one chunk upload or request; {@code answer} fails when it cannot leave (the connection ended). */
    private void transmitFileRequest(NorcMessage request, CompletableFuture<?> answer) {
        try {
            outbound.transmit(request).whenComplete((ok, error) -> {
                if (error != null) {
                    answer.completeExceptionally(new NorcException(ErrorCode.UNAVAILABLE, "sending failed", error));
                }
            });
        } catch (IllegalStateException e) {
            answer.completeExceptionally(new NorcException(ErrorCode.UNAVAILABLE, "not connected", e));
        }
    }

    /** {@code B3(c_i)} of every chunk, read and encrypted again (the chunks are deterministic given the key). */
    private List<byte[]> chunkHashes(OutgoingFile file) {
        int count = file.chunkCount();
        byte[] chunkKey = FileCrypto.chunkKey(file.fileKey, file.fileId);
        List<byte[]> hashes = new ArrayList<>(count);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file.path)) {
            for (int i = 0; i < count; i++) {
                int length = (int) Math.min(FileCrypto.CHUNK_SIZE, file.size - (long) i * FileCrypto.CHUNK_SIZE);
                hashes.add(Blake3.hash(FileCrypto.encryptChunk(chunkKey, file.fileId, i, count, readChunk(channel, i, length), 0, length)));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            java.util.Arrays.fill(chunkKey, (byte) 0);
        }
        return hashes;
    }

    private static byte[] readChunk(java.nio.channels.FileChannel channel, int index, int length) throws java.io.IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
        long position = (long) index * FileCrypto.CHUNK_SIZE;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new java.io.IOException("file shorter than when it was prepared");
            }
        }
        return buffer.array();
    }

    private CompletableFuture<Void> shareFile(DeviceIdentity me, OutgoingFile file, List<byte[]> hashes, List<String> recipients,
                                              int attempt) {
        boolean toGroup = recipients.isEmpty();
        CompletableFuture<List<String>> users = toGroup
                ? knownGroup(file.conversationId).thenApply(group -> List.copyOf(group.members().keySet()))
                : CompletableFuture.completedFuture(withMe(distinctUsers(recipients), me.userId()));
        return users.thenCompose(members -> keysFor(members).thenCompose(keys -> {
            FileManifest.Plain plain = FileCrypto.signPlain(me.signingSecretKey(), file.fileId, file.conversationId, file.name,
                    file.mimeType, file.size, hashes, me.userId(), me.deviceId());
            byte[] manifestKey = FileCrypto.manifestKey(file.fileKey, file.fileId);
            byte[] encrypted = FileCrypto.encryptManifest(manifestKey, file.fileId, file.conversationId, file.chunkCount(),
                    file.paddedSize(), plain);
            java.util.Arrays.fill(manifestKey, (byte) 0);
            Map<UUID, MessageSend.WrappedKey> wrapped = new LinkedHashMap<>();
            for (Envelope.RecipientDevice device : devicesOf(members, keys, me.deviceId())) {
                KeyWrap.Wrapped w = KeyWrap.wrap(file.fileKey, file.fileId, file.conversationId, device.deviceId(), device.kexPublicKey(),
                        options.random());
                wrapped.put(device.deviceId(), new MessageSend.WrappedKey(w.ephemeralPublicKey(), w.wrappedKey()));
            }
            FileManifest manifest = new FileManifest(file.fileId, file.conversationId, encrypted, wrapped, file.chunkCount(),
                    file.paddedSize());
            return outbound.<Void>request(PendingRequests.Kind.SEND, file.fileId, manifest, reply -> {
                MessageAck ack = (MessageAck) reply;
                if (ack.status() != AckStatus.ACCEPTED) {
                    throw new NorcException(ErrorCode.INTERNAL, "manifest not accepted");
                }
                return null;
            });
        })).handle((ok, error) -> {
            Optional<ServerError> server = ServerError.of(error);
            if (error != null && toGroup && attempt < GROUP_ATTEMPTS && server.isPresent()
                    && server.get().code() == ErrorCode.MEMBERSHIP_CHANGED.code()) {
                List<String> stale = staleUsers(server.get());
                return refreshGroupInternal(file.conversationId)
                        .thenCompose(g -> stale.isEmpty() ? CompletableFuture.completedFuture(null) : fetchKeysInternal(stale))
                        .thenCompose(ignored -> shareFile(me, file, hashes, recipients, attempt + 1));
            }
            return error == null ? CompletableFuture.<Void>completedFuture(null) : CompletableFuture.<Void>failedFuture(error);
        }).thenCompose(next -> next);
    }

    private static List<String> withMe(List<String> users, String me) {
        List<String> all = new ArrayList<>(users);
        if (!all.contains(me)) {
            all.add(me);
        }
        return all;
    }

    private void download(ReceivedFile file, Path target, FileProgress progress) {
        byte[] chunkKey = FileCrypto.chunkKey(file.fileKey, file.fileId());
        int count = (int) file.manifest.chunkCount();
        java.util.ArrayDeque<CompletableFuture<byte[]>> inFlight = new java.util.ArrayDeque<>();
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(target, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            int next = 0;
            long done = 0;
            for (int i = 0; i < count; i++) {
                while (next < count && next < i + FILE_WINDOW) {
                    inFlight.add(requestChunk(file.fileId(), next++));
                }
                byte[] plain = FileCrypto.decryptChunk(chunkKey, file.fileId(), i, file.plain, awaitFile(inFlight.poll()));
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(plain);
                long position = (long) i * FileCrypto.CHUNK_SIZE;
                while (buffer.hasRemaining()) {
                    out.write(buffer, position + buffer.position());
                }
                done += plain.length;
                progress.progress(done, file.size());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            java.util.Arrays.fill(chunkKey, (byte) 0);
        }
    }

    private CompletableFuture<byte[]> requestChunk(UUID fileId, long index) {
        CompletableFuture<byte[]> chunk = transfers.expectChunk(fileId, index);
        transmitFileRequest(new FileChunkRequest(fileId, index), chunk);
        return chunk.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static <T> T awaitFile(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = ConversationQueue.unwrap(e);
            throw cause instanceof RuntimeException r ? r : new NorcException(ErrorCode.UNAVAILABLE, "file transfer failed", cause);
        }
    }

    /** An inbound {@code file_manifest}: this device's key unwrapped, the manifest opened, its sender's signature checked. */
    private CompletableFuture<Void> receiveFile(FileManifest manifest) {
        DeviceIdentity me = identity;
        if (me == null || state.get() == State.CLOSED) {
            return CompletableFuture.completedFuture(null);
        }
        MessageSend.WrappedKey own = manifest.keys().get(me.deviceId());
        if (own == null) {
            emit(listener -> listener.onRejected(manifest.fileId(), ErrorCode.FORBIDDEN));
            return CompletableFuture.completedFuture(null);
        }
        byte[] fileKey;
        FileManifest.Plain plain;
        try {
            fileKey = KeyWrap.unwrap(new KeyWrap.Wrapped(own.ephemeralPublicKey(), own.wrappedKey()), manifest.fileId(),
                    manifest.conversationId(), me.deviceId(), me.kexSecretKey());
            byte[] manifestKey = FileCrypto.manifestKey(fileKey, manifest.fileId());
            plain = FileCrypto.decryptManifest(manifestKey, manifest);
            java.util.Arrays.fill(manifestKey, (byte) 0);
        } catch (NorcException e) {
            emit(listener -> listener.onRejected(manifest.fileId(), e.code()));
            return CompletableFuture.completedFuture(null);
        }
        KeyResponse.DeviceKey known = directory.device(plain.senderUserId(), plain.senderDeviceId());
        CompletableFuture<KeyResponse.DeviceKey> senderKey = known != null ? CompletableFuture.completedFuture(known)
                : senderKeys(plain.senderUserId(), 0).thenApply(ignored -> directory.device(plain.senderUserId(), plain.senderDeviceId()));
        return senderKey.handleAsync((key, error) -> {
            if (state.get() == State.CLOSED || error != null) {
                return null; // offered again next time
            }
            if (key == null || !FileCrypto.verifyPlain(key.publicKey(), manifest.fileId(), manifest.conversationId(),
                    manifest.chunkCount(), manifest.paddedSize(), plain)) {
                emit(listener -> listener.onRejected(manifest.fileId(), ErrorCode.INVALID_SIGNATURE));
                return null;
            }
            ReceivedFile received = new ReceivedFile(manifest, plain, fileKey);
            events.execute(() -> {
                try {
                    options.listener().onFile(received);
                } catch (RuntimeException ignored) {
                    // the application's problem; the file was handed over
                }
                acknowledge(manifest.fileId());
            });
            return null;
        }, inbound);
    }

    // ---- devices, time, presence ---------------------------------------------------------------

    /**
     * Revokes a device of this user ({@code device_revoke} signed by this device, spec §6.12),
     * possibly this device itself. Completes when the frame was sent: the profile defines no
     * answer, so confirm with {@link #fetchKeys} (the device disappears) if needed.
     */
    public CompletableFuture<Void> revokeDevice(UUID deviceId, RevocationReason reason) {
        DeviceIdentity me = requireAuthenticated();
        DeviceRevoke unsigned = new DeviceRevoke(me.userId(), Objects.requireNonNull(deviceId), Objects.requireNonNull(reason),
                nowMicros(), me.deviceId(), new byte[64]);
        byte[] signature = MessageSignatures.REVOKE.sign(me.signingSecretKey(), keys().transcriptHash(), codec, unsigned);
        DeviceRevoke signed = new DeviceRevoke(unsigned.userId(), unsigned.deviceId(), unsigned.reason(),
                unsigned.effectiveAt(), unsigned.revokedBy(), signature);
        return forCaller(outbound.transmit(signed));
    }

    /**
     * Asks the server's time ({@code time_sync}) and checks its signature by the server identity key
     * over this session's transcript; later timestamps (auth, metadata, presence) use the offset.
     */
    public CompletableFuture<TimeSyncResult> timeSync() {
        keys();
        long sentAt = rawNowMicros();
        return forCaller(outbound.request(PendingRequests.Kind.TIME, null, new TimeSync(sentAt, 0, 0, Optional.empty()), reply -> {
            long receivedAt = rawNowMicros();
            TimeSync answer = (TimeSync) reply;
            SessionKeys k = keys();
            if (answer.signature().isEmpty() || answer.clientTime() != sentAt || !MessageSignatures.TIME_SYNC.verify(
                    k.serverPublicKey(), answer.signature().get(), k.transcriptHash(), codec, answer)) {
                throw new NorcException(ErrorCode.INVALID_SIGNATURE, "time_sync answer not signed by the server");
            }
            long offset = answer.serverTime() - (sentAt + receivedAt) / 2;
            clockOffsetMicros = offset;
            return new TimeSyncResult(offset, receivedAt - sentAt, answer.uncertainty());
        }));
    }

    /** Publishes this device's presence ({@code presence_update}); completes when sent. */
    public CompletableFuture<Void> presence(PresenceStatus status, String statusMessage) {
        requireAuthenticated();
        PresenceUpdate update = new PresenceUpdate(Objects.requireNonNull(status), Optional.ofNullable(statusMessage),
                List.of(), nowMicros(), Optional.empty());
        return forCaller(outbound.transmit(update));
    }

    /**
     * Closes the connection; pending futures fail with {@code UNAVAILABLE}. Listener calls already
     * queued run first, so messages they handled are acknowledged before the connection goes.
     * Idempotent.
     */
    @Override
    public void close() {
        events.execute(() -> {
            transport.close();
            inbound.execute(() -> shutdown(null));
        });
    }

    private void acknowledge(UUID messageId) {
        try {
            outbound.transmit(new MessageAck(messageId, AckStatus.DELIVERED, Optional.empty(), Optional.empty()));
        } catch (IllegalStateException e) {
            // closed meanwhile: the server delivers it again next time
        }
    }

    // ---- inbound -------------------------------------------------------------------------------

    /** Moves every transport event onto the inbound executor. */
    private final class TransportEvents implements Transport.Listener {
        @Override
        public void onMessage(byte[] message) {
            inbound.execute(() -> onFrame(message));
        }

        @Override
        public void onClose(int statusCode, String reason) {
            Throwable cause;
            if (statusCode == 1000 && REKEY_REASON.equals(reason)) {
                cause = new NorcException(ErrorCode.UNAVAILABLE, "closed by the server to change keys", new Rekey());
            } else {
                cause = statusCode == 1000 ? null
                        : new NorcException(ErrorCode.UNAVAILABLE, "connection closed with status " + statusCode);
            }
            inbound.execute(() -> shutdown(cause));
        }

        @Override
        public void onError(Throwable error) {
            inbound.execute(() -> shutdown(unavailable("connection failed", error)));
        }
    }

    private void onFrame(byte[] frame) {
        if (state.get() == State.CLOSED) {
            return;
        }
        if (handshake != null) {
            finishHandshake(frame);
            return;
        }
        ReceiveSession.Received received;
        try {
            received = receiveSession.open(frame);
        } catch (NorcException e) {
            // a malformed or disallowed frame from the server: say so and leave
            try {
                outbound.transmit(ErrorMessage.of(e.code()));
            } catch (RuntimeException ignored) {
                // closing anyway
            }
            failConnection(e);
            return;
        }
        if (received instanceof ReceiveSession.Discarded discarded) {
            if (discarded.closeConnection()) {
                failConnection(new NorcException(ErrorCode.DECRYPT_FAILED, "too many failed frames"));
            }
            return;
        }
        dispatch(((ReceiveSession.Accepted) received).message());
    }

    private void finishHandshake(byte[] frame) {
        ClientHandshake started = handshake;
        handshake = null;
        SessionKeys keys;
        try {
            keys = started.finish(frame, options.pinnedServerKey());
        } catch (NorcException e) {
            failConnection(e);
            return;
        } catch (RuntimeException e) {
            failConnection(new NorcException(ErrorCode.INVALID_FIELD, "handshake answer", e));
            return;
        }
        receiveSession = new ReceiveSession(keys, codec, false, REPLAY_WINDOW, MAX_FAILED_FRAMES,
                ReceiveSession.IntegrityListener.NONE);
        sessionKeys = keys;
        outbound.open(new SendSession(keys, codec, true, SendSession.randomInitialSequence(options.random())));
        state.compareAndSet(State.HANDSHAKING, State.CONNECTED);
        connected.complete(this);
    }

    private void dispatch(NorcMessage message) {
        if (message instanceof MessageSend send) {
            deliveries = deliveries.thenCompose(ignored -> deliver(send)).exceptionally(error -> null);
        } else if (message instanceof MessageAck ack) {
            onAck(ack);
        } else if (message instanceof AuthResponse) {
            answer(pending.takeOldest(PendingRequests.Kind.AUTH), message);
        } else if (message instanceof KeyResponse) {
            answer(pending.takeOldest(PendingRequests.Kind.KEYS), message);
        } else if (message instanceof TimeSync) {
            answer(pending.takeOldest(PendingRequests.Kind.TIME), message);
        } else if (message instanceof ErrorMessage error) {
            onServerError(error);
        } else if (message instanceof PresenceUpdate update) {
            emit(listener -> listener.onPresence(update));
        } else if (message instanceof MembershipUpdate update) {
            if (update.requestId().isPresent()) {
                answer(pending.take(PendingRequests.Kind.GROUP, update.requestId().get()), message);
            } else { // an inbox copy: in the group's order with its messages
                deliveries = deliveries.thenRun(() -> onGroupCopy(update)).exceptionally(error -> null);
            }
        } else if (message instanceof FileUploadAck ack) {
            transfers.onAck(ack);
        } else if (message instanceof FileChunk chunk) {
            transfers.onChunk(chunk);
        } else if (message instanceof FileManifest manifest) {
            deliveries = deliveries.thenCompose(ignored -> receiveFile(manifest)).exceptionally(error -> null);
        } else if (message instanceof KeyExpiryNotice notice) {
            emit(listener -> listener.onKeyExpiring(notice.deviceId(), notice.expiresAt()));
        } else if (message instanceof DeviceRevoke revoke) {
            directory.forget(revoke.userId(), revoke.deviceId());
            emit(listener -> listener.onDeviceRevoked(revoke.userId(), revoke.deviceId()));
        }
        // session_key_exchange, file_manifest, extension: not used by this client
    }

    private void answer(PendingRequests.Entry entry, NorcMessage reply) {
        if (entry == null) {
            emit(listener -> listener.onError(new NorcException(ErrorCode.UNEXPECTED_MESSAGE, "unrequested answer")));
            return;
        }
        entry.answer(reply);
    }

    private void onAck(MessageAck ack) {
        if (ack.status() == AckStatus.ACCEPTED || ack.status() == AckStatus.FAILED) {
            PendingRequests.Entry entry = pending.takeSend(ack.messageId());
            if (entry != null) {
                entry.answer(ack);
                return;
            }
        }
        emit(listener -> listener.onReceipt(new Receipt(ack.messageId(), ack.status(), ack.deviceId(), ack.errorCode())));
    }

    /**
     * A server {@code error} answers the request it names ({@code details.message_id}) or else the
     * oldest pending one; with none pending it goes to the listener.
     */
    private void onServerError(ErrorMessage error) {
        NorcException failure = new NorcException(errorCode(error.errorCode()), error.retryAfter()
                .map(seconds -> "server error, retry after " + seconds + " s").orElse("server error"),
                new ServerError(error.errorCode(), error.retryAfter(), error.details()));
        PendingRequests.Entry entry = null;
        String named = error.details().get("message_id");
        String request = error.details().get("request_id");
        try {
            if (named != null) {
                entry = pending.takeSend(UUID.fromString(named));
            } else if (request != null) {
                entry = pending.take(PendingRequests.Kind.GROUP, UUID.fromString(request));
            }
        } catch (IllegalArgumentException ignored) {
            // not a UUID: fall back to the oldest request
        }
        String file = error.details().get("file_id");
        if (entry == null && file != null) {
            try {
                UUID fileId = UUID.fromString(file);
                entry = pending.takeSend(fileId); // a manifest
                if (entry == null && transfers.onError(fileId, failure)) {
                    return; // a chunk upload or request
                }
            } catch (IllegalArgumentException ignored) {
                // not a UUID: fall back to the oldest request
            }
        }
        if (entry == null) {
            entry = pending.takeOldest();
        }
        if (entry != null) {
            entry.future.completeExceptionally(failure);
        } else {
            emit(listener -> listener.onError(failure));
        }
    }

    /**
     * Handles one inbound {@code message_send}; the returned future completes once it is fully
     * handled, so that deliveries stay in order even when a sender's keys must be fetched first.
     */
    private CompletableFuture<Void> deliver(MessageSend message) {
        DeviceIdentity me = identity;
        if (me == null || state.get() == State.CLOSED) {
            return CompletableFuture.completedFuture(null);
        }
        if (message.senderUserId().isEmpty() || message.senderDeviceId().isEmpty()) {
            reject(message, ErrorCode.INVALID_FIELD);
            return CompletableFuture.completedFuture(null);
        }
        if (inbox.isDuplicate(message.messageId())) {
            inbox.countDuplicate();
            acknowledge(message.messageId()); // the earlier ack may have been lost
            return CompletableFuture.completedFuture(null);
        }
        String senderUser = message.senderUserId().get();
        UUID senderDevice = message.senderDeviceId().get();
        if (senderDevice.equals(me.deviceId())) {
            acknowledge(message.messageId()); // this device's own message echoed back: nothing to show
            return CompletableFuture.completedFuture(null);
        }
        KeyResponse.DeviceKey key = directory.device(senderUser, senderDevice);
        if (key != null) {
            openAndHandOver(message, key);
            return CompletableFuture.completedFuture(null);
        }
        // continues on the inbound executor once the key_response arrived
        return senderKeys(senderUser, 0).handleAsync((ignored, error) -> {
            if (state.get() == State.CLOSED || error != null) {
                return null; // it could not be acknowledged any more: the server offers it again
            }
            KeyResponse.DeviceKey fetched = directory.device(senderUser, senderDevice);
            if (fetched == null) {
                reject(message, ErrorCode.INVALID_SIGNATURE); // nobody vouches for the sender's key
            } else {
                openAndHandOver(message, fetched);
            }
            return null;
        }, inbound);
    }

    /** Longest wait between two key lookups for a message that waits for its sender's keys. */
    private static final Duration KEY_RETRY_CAP = Duration.ofSeconds(5);

    /**
     * The sender's keys for an inbound message, asked again (250 ms, doubling, at most 5 s apart)
     * while the server cannot answer (an outage: {@code 9002}, a timeout) and the connection
     * lives. The message, and every later one, waits: rejecting it would leave a gap in its
     * sender's chain, so that each later message broke the chain too. Fails only once the
     * connection closed.
     */
    private CompletableFuture<Void> senderKeys(String senderUser, int attempt) {
        return fetchKeysInternal(List.of(senderUser)).<CompletableFuture<Void>>handle((keys, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (state.get() == State.CLOSED) {
                return CompletableFuture.failedFuture(error);
            }
            long delay = Math.min(KEY_RETRY_CAP.toMillis(), 250L << Math.min(attempt, 5));
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, inbound))
                    .thenCompose(ignored -> senderKeys(senderUser, attempt + 1));
        }).thenCompose(next -> next);
    }

    private void openAndHandOver(MessageSend message, KeyResponse.DeviceKey senderKey) {
        if (inbox.isDuplicate(message.messageId())) { // accepted while its sender's keys were fetched
            inbox.countDuplicate();
            acknowledge(message.messageId());
            return;
        }
        byte[] content;
        try {
            Optional<byte[]> opened = inbox.open(message, message.senderDeviceId().get(), senderKey.publicKey());
            if (opened.isEmpty()) {
                inbox.countDuplicate();
                acknowledge(message.messageId());
                return;
            }
            content = opened.get();
        } catch (NorcException e) {
            reject(message, e.code());
            return;
        }
        ReceivedMessage received = new ReceivedMessage(message.messageId(), message.conversationId(),
                message.senderUserId().get(), message.senderDeviceId().get(), message.recipients(), message.metadata(),
                message.e2eSequence(), content);
        events.execute(() -> {
            try {
                options.listener().onMessage(received);
            } catch (RuntimeException ignored) {
                // the application's problem; the message was handed over
            }
            acknowledge(message.messageId());
        });
    }

    private void reject(MessageSend message, ErrorCode reason) {
        emit(listener -> listener.onRejected(message.messageId(), reason));
    }

    // ---- ending --------------------------------------------------------------------------------

    private void failConnection(NorcException cause) {
        transport.close();
        shutdown(cause);
    }

    /**
     * The close reason of a server that keeps traffic keys fresh by reconnecting (groups profile D:
     * a session without {@code tk_update_v1} is closed after 1000 frames either way).
     */
    public static final String REKEY_REASON = "rekey";

    /** Marks the cause of a close for {@link #REKEY_REASON}: reconnect at once and resend what was not acknowledged. */
    static final class Rekey extends Exception {
        Rekey() {
            super("rekey", null, false, false);
        }
    }

    /** Whether a connection ended because the server closed it to change keys (reconnect at once). */
    public static boolean closedForRekey(Throwable cause) {
        return cause instanceof NorcException n && n.getCause() instanceof Rekey;
    }

    /** Runs on the inbound executor: fails what is pending and tells the listener, once. */
    private void shutdown(Throwable cause) {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        outbound.close();
        NorcException failure = cause instanceof NorcException n ? n
                : new NorcException(ErrorCode.UNAVAILABLE, "connection closed", cause);
        connected.completeExceptionally(failure);
        for (PendingRequests.Entry entry : pending.takeAll()) {
            entry.future.completeExceptionally(failure);
        }
        transfers.failAll(failure);
        events.execute(() -> {
            try {
                options.listener().onClosed(cause);
            } catch (RuntimeException ignored) {
                // nothing more to tell
            }
            closed.complete(null);
            if (ownedExecutor != null) {
                ownedExecutor.shutdown(); // queued work (completions, this task) still runs
            }
        });
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void emit(java.util.function.Consumer<ClientListener> event) {
        events.execute(() -> {
            try {
                event.accept(options.listener());
            } catch (RuntimeException ignored) {
                // a failing listener must not stop the event stream
            }
        });
    }

    /**
     * What callers get: completed on the executor (never on the inbound thread, so a caller that
     * blocks there cannot stall the connection), unwrapped, with the request timeout.
     */
    private <T> CompletableFuture<T> forCaller(CompletableFuture<T> internal) {
        CompletableFuture<T> out = new CompletableFuture<>();
        internal.whenCompleteAsync((value, error) -> {
            if (error != null) {
                out.completeExceptionally(unwrap(error));
            } else {
                out.complete(value);
            }
        }, this::runOrInline);
        return out.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs on the executor; inline if it was shut down after close (completions must still happen). */
    private void runOrInline(Runnable task) {
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    private SessionKeys keys() {
        SessionKeys keys = sessionKeys;
        if (keys == null) {
            throw new IllegalStateException("not connected");
        }
        return keys;
    }

    private DeviceIdentity requireAuthenticated() {
        DeviceIdentity me = identity;
        if (me == null || state.get() != State.AUTHENTICATED) {
            throw new IllegalStateException("authenticate (or register) first");
        }
        return me;
    }

    private static List<String> distinctUsers(List<String> userIds) {
        if (userIds == null || userIds.isEmpty()) {
            throw new IllegalArgumentException("name at least one user");
        }
        Set<String> users = new LinkedHashSet<>();
        for (String user : userIds) {
            users.add(DeviceIdentity.requireUserId(user));
        }
        return List.copyOf(users);
    }

    private long rawNowMicros() {
        Instant now = options.clock().instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
    }

    /** Now in µs, corrected by the last {@link #timeSync}. */
    private long nowMicros() {
        return rawNowMicros() + clockOffsetMicros;
    }

    private static ErrorCode errorCode(long code) {
        ErrorCode known = ErrorCode.ofCode(code);
        return known != null ? known : ErrorCode.INTERNAL;
    }

    private static NorcException unavailable(String detail, Throwable cause) {
        return new NorcException(ErrorCode.UNAVAILABLE, detail, cause);
    }

    private static Throwable unwrap(Throwable error) {
        return ConversationQueue.unwrap(error);
    }
}
