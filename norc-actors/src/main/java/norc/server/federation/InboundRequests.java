package norc.server.federation;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.federation.FederationSignatures;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.UserIds;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LedgerReply;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.federation.FederationWire.Answer;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.ProtocolVersion;
import norc.wire.VersionNegotiation;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.DeliveryAck;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageRelay;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerDiscovery;
import norc.wire.message.ServerInfo;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Answers each {@code POST /norc-f} (federation profile §1, §3, §5): the hello that opens a link,
 * then, on a link, discovery, remote {@code key_request}, {@code message_relay} (checked in the
 * profile's order, committed to the target devices' inboxes, its outcome recorded in the origin's
 * {@link RelayLedger} before the 200) and {@code delivery_ack}. Every refusal is the profile's code
 * and stores nothing. Thread-safe; entities are reached by ask with the commit timeout, past which
 * the peer hears {@code 9002} and retries.
 */
final class InboundRequests {
    private static final Codec STORAGE = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
    private static final long SKEW_MICROS = 60_000_000L;
    private static final List<ProtocolVersion> VERSIONS = List.of(ProtocolVersion.parse("2.0"));
    private static final Duration DUPLICATE_WAIT = Duration.ofSeconds(10);

    /** One request as the endpoint received it. */
    /**
     * One request as the endpoint received it: {@code body} its first bytes, all of them unless
     * {@code size} is over {@code max-message-size} (then the first {@code max + 1}).
     */
    record Request(String contentType, byte[] body, long size, X509Certificate clientCertificate, List<X509Certificate> clientChain) {
        boolean oversized(long max) {
            return size > max;
        }
    }

    private final FederationContext federation;
    private final ServerSettings settings;
    private final ActorSystem<?> system;
    private final ClusterSharding sharding;
    private final ShardedEntities entities;
    private final IngressBudget budget;
    private final Duration timeout;
    private final InboundTrust trust;

    InboundRequests(FederationContext federation, ServerSettings settings, ActorSystem<?> system, ShardedEntities entities) {
        this.federation = federation;
        this.settings = settings;
        this.system = system;
        this.sharding = entities.sharding();
        this.entities = entities;
        this.timeout = settings.delivery().commitTimeout();
        this.trust = new InboundTrust(federation, sharding, timeout);
        this.budget = new IngressBudget(sharding, federation.settings().ingress());
    }

    CompletionStage<Answer> handle(Request request) {
        Codec codec = FederationWire.codec(request.contentType(), federation.settings().maxMessageSize());
        byte[] body = request.body();
        MessageType type;
        NorcMessage decoded = null;
        try {
            if (codec.encoding() == WireEncoding.JSON) { // a JSON body is parsed first (clarification 3)
                decoded = codec.decodeMessage(body);
                type = decoded.messageType();
            } else {
                if (body.length == 0) {
                    return done(Answer.error(ErrorCode.TRUNCATED));
                }
                type = MessageType.fromCode(body[0] & 0xFF);
            }
        } catch (NorcException e) {
            return done(Answer.error(e.code()));
        }
        if (type == null) {
            return done(Answer.error(ErrorCode.UNKNOWN_MESSAGE_TYPE));
        }
        boolean oversized = request.oversized(federation.settings().maxMessageSize());
        if (type == MessageType.FEDERATION_HELLO) {
            if (oversized) {
                return done(Answer.error(ErrorCode.LIMIT_EXCEEDED));
            }
            return decode(codec, body, decoded).thenCompose(m -> hello((FederationHello) m, request.clientCertificate(),
                    request.clientChain()));
        }
        long now = System.currentTimeMillis();
        InboundLinks.Link link = federation.links().forCertificate(
                Bytes.hex(PeerDirectory.fingerprint(request.clientCertificate())), now);
        if (link == null) {
            return done(Answer.error(ErrorCode.LINK_REQUIRED));
        }
        if (!type.senderOn(MessageType.Layer.NORC_F).allows(false) || type == MessageType.FEDERATION_HELLO_RESPONSE
                || type == MessageType.SERVER_INFO || type == MessageType.KEY_RESPONSE || type == MessageType.TRUST_CHALLENGE) {
            return done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE));
        }
        String peer = link.peer();
        if (federation.directory().denied(peer)) { // revoked: in-flight and later requests are refused
            return done(Answer.error(ErrorCode.FEDERATION_REFUSED));
        }
        return admitted(link, type, codec, body, request.size(), decoded);
    }

    /**
     * Past the link: each type's capability and grant checks, then the ingress budget (every POST
     * that gets this far counts, §5.3), then {@code max-message-size}, then the strict decode
     * (clarification 3).
     */
    private CompletionStage<Answer> admitted(InboundLinks.Link link, MessageType type, Codec codec, byte[] body, long size,
                                             NorcMessage decoded) {
        String peer = link.peer();
        if (type == MessageType.TRUST_CAPABILITY || type == MessageType.TRUST_REQUEST || type == MessageType.TRUST_RESPONSE
                || type == MessageType.TRUST_REVOKE) {
            if (!link.has("trust")) {
                return done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE));
            }
            return charged(peer, size, () -> decode(codec, body, decoded).thenCompose(m -> trust.handle(link, m)));
        }
        return switch (type) {
            case SERVER_DISCOVERY -> charged(peer, size,
                    () -> decode(codec, body, decoded).thenApply(m -> discovery(link, (ServerDiscovery) m)));
            case KEY_REQUEST -> {
                if (!link.has("keys")) {
                    yield done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE));
                }
                if (federation.directory().grant(peer).compareTo(TrustLevel.BASIC) < 0) {
                    yield done(Answer.error(ErrorCode.FEDERATION_REFUSED));
                }
                yield charged(peer, size, () -> decode(codec, body, decoded).thenCompose(m -> keys((KeyRequest) m)));
            }
            case MESSAGE_RELAY, DELIVERY_ACK -> {
                if (!link.has("relay")) {
                    yield done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE));
                }
                if (federation.directory().grant(peer).compareTo(TrustLevel.BASIC) < 0) {
                    yield done(Answer.error(ErrorCode.FEDERATION_REFUSED));
                }
                yield charged(peer, size, () -> decode(codec, body, decoded).thenCompose(m -> m instanceof MessageRelay relay
                        ? relay(link, relay) : done(deliveryAck(link, (DeliveryAck) m))));
            }
            default -> done(Answer.error(ErrorCode.UNEXPECTED_MESSAGE));
        };
    }

    /** Takes the request from the peer's budget ({@code 6001} past it), refuses it over {@code max-message-size} ({@code 3007}), else goes on. */
    private CompletionStage<Answer> charged(String peer, long size, java.util.function.Supplier<CompletionStage<Answer>> next) {
        return budget.take(peer, size).thenCompose(wait -> {
            if (wait > 0) {
                return done(Answer.error(ErrorCode.RATE_LIMITED, wait, null));
            }
            if (size > federation.settings().maxMessageSize()) {
                return done(Answer.error(ErrorCode.LIMIT_EXCEEDED));
            }
            return next.get();
        });
    }

    private static CompletionStage<NorcMessage> decode(Codec codec, byte[] body, NorcMessage decoded) {
        if (decoded != null) {
            return CompletableFuture.completedFuture(decoded);
        }
        try {
            return CompletableFuture.completedFuture(codec.decodeMessage(body));
        } catch (NorcException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- federation_hello (§3 step 2) ----

    private CompletionStage<Answer> hello(FederationHello hello, X509Certificate clientCertificate, List<X509Certificate> chain) {
        String peer = hello.serverId();
        if (!federation.directory().admitted(peer)) {
            return done(Answer.error(ErrorCode.FEDERATION_REFUSED));
        }
        if (!PeerDirectory.sanNames(clientCertificate, peer)) {
            return done(mismatch(peer, "san"));
        }
        var cached = federation.directory().serverInfo(peer);
        CompletionStage<ServerInfo> info = cached.isPresent() && federation.directory().bound(peer, clientCertificate, cached.get())
                ? CompletableFuture.completedFuture(cached.get())
                : fetchServerInfo(peer); // none held, or the binding failed: (re)fetch once
        return info.thenApply(s -> {
            if (s == null || !federation.directory().bound(peer, clientCertificate, s)) {
                return mismatch(peer, s == null ? "server-info" : "binding");
            }
            if (!Arrays.equals(hello.serverPublicKey(), s.publicKey())) {
                return mismatch(peer, "key");
            }
            var record = federation.directory().trust().get(peer);
            if (record.isPresent() && "ca".equals(record.get().method()) && record.get().grant() != TrustLevel.UNTRUSTED
                    && !federation.anchors().validates(withoutAnchors(chain), record.get().grant())) {
                return mismatch(peer, "anchor"); // a ca peer is re-validated at every hello (profile §6.1)
            }
            long now = System.currentTimeMillis();
            if (Math.abs(now * 1000 - hello.timestamp()) > SKEW_MICROS) {
                return Answer.error(ErrorCode.STALE_TIMESTAMP);
            }
            if (!federation.links().freshNonce(peer, Bytes.hex(hello.nonce()), now)) {
                federation.audit().record(AuditEvent.of(AuditKinds.REPLAY_DETECTED).with("peer", peer).with("what", "hello-nonce"));
                return Answer.error(ErrorCode.REPLAY_DETECTED);
            }
            byte[] cb = FederationSignatures.channelBinding(PeerDirectory.der(clientCertificate), federation.own().certificateDer());
            if (!FederationSignatures.verifyHello(s.publicKey(), cb, hello)) {
                return Answer.error(ErrorCode.INVALID_SIGNATURE);
            }
            FederationHelloResponse.NegotiatedVersions negotiated;
            try {
                negotiated = VersionNegotiation.negotiateFederation(hello.protocolVersions(), VERSIONS, VERSIONS);
            } catch (NorcException e) {
                return Answer.error(ErrorCode.NO_COMPATIBLE_VERSION);
            }
            Set<String> capabilities = new HashSet<>(hello.capabilities());
            capabilities.retainAll(FederationContext.CAPABILITIES);
            federation.links().open(peer, s.publicKey(), Bytes.hex(PeerDirectory.fingerprint(clientCertificate)), capabilities, now);
            byte[] nonce = new byte[16];
            new java.security.SecureRandom().nextBytes(nonce);
            FederationHelloResponse response = FederationSignatures.signHelloResponse(federation.own().secretKey(), cb, hello,
                    new FederationHelloResponse(federation.own().serverId(), negotiated, List.of(), FederationContext.CAPABILITIES,
                            nonce, now * 1000, federation.own().publicKey(), new byte[64]));
            return Answer.ok(response);
        });
    }

    /** {@code 5002}, audited (profile §1 "Mismatch": both sides audit). */
    private Answer mismatch(String peer, String check) {
        federation.audit().record(AuditEvent.of(AuditKinds.IDENTITY_MISMATCH).with("side", "receiver").with("peer", peer)
                .with("check", check));
        return Answer.error(ErrorCode.IDENTITY_MISMATCH);
    }

    private List<X509Certificate> withoutAnchors(List<X509Certificate> chain) {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!c.getIssuerX500Principal().equals(c.getSubjectX500Principal())) {
                path.add(c);
            }
        }
        return path;
    }

    /** GETs a peer's {@code server_info} over a connection of its own and accepts it (or null). */
    private CompletionStage<ServerInfo> fetchServerInfo(String peer) {
        var address = federation.addressOf(peer);
        if (address.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        PeerClient client = PeerClient.open(system, federation.tls(), peer, address.get());
        return client.serverInfo().handle((info, error) -> {
            client.close();
            X509Certificate presented = client.peerCertificate().orElse(null);
            if (info == null || presented == null || federation.directory().accept(peer, info, presented) != null) {
                return null;
            }
            return info;
        });
    }

    // ---- server_discovery (§2) ----

    private Answer discovery(InboundLinks.Link link, ServerDiscovery discovery) {
        if (!discovery.requestingServer().equals(link.peer()) || !discovery.queryServer().equals(federation.own().serverId())) {
            return Answer.error(ErrorCode.INVALID_ROUTE);
        }
        if (Math.abs(System.currentTimeMillis() * 1000 - discovery.timestamp()) > SKEW_MICROS) {
            return Answer.error(ErrorCode.STALE_TIMESTAMP);
        }
        if (!FederationSignatures.verifyServerDiscovery(link.publicKey(), discovery)) {
            return Answer.error(ErrorCode.INVALID_SIGNATURE);
        }
        return Answer.ok(federation.own().get());
    }

    // ---- key_request (profile fix: server → server) ----

    private CompletionStage<Answer> keys(KeyRequest request) {
        if (request.userIds().size() > 256) {
            return done(Answer.error(ErrorCode.LIMIT_EXCEEDED));
        }
        Map<String, Map<UUID, KeyResponse.DeviceKey>> answer = new LinkedHashMap<>();
        List<CompletableFuture<Void>> lookups = new ArrayList<>();
        for (String user : request.userIds()) {
            answer.put(user, Map.of()); // unknown and remote users get the same empty entry
            if (UserIds.isLocal(user, settings.serverId())) {
                lookups.add(entities.user(user)
                        .<UserReply.Keys>ask(replyTo -> new UserCommand.GetKeys(request.deviceFilter(), replyTo), timeout)
                        .thenAccept(keys -> {
                            synchronized (answer) {
                                answer.put(keys.userId(), keys.devices());
                            }
                        }).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                .handle((ok, error) -> error != null ? Answer.error(ErrorCode.UNAVAILABLE, 1, null)
                        : Answer.ok(new KeyResponse(answer)));
    }

    // ---- delivery_ack (§5.3, at the origin) ----

    private Answer deliveryAck(InboundLinks.Link link, DeliveryAck ack) {
        if (Math.abs(System.currentTimeMillis() * 1000 - ack.timestamp()) > SKEW_MICROS) {
            return Answer.error(ErrorCode.STALE_TIMESTAMP);
        }
        if (!FederationSignatures.verifyDeliveryAck(link.publicKey(), ack)) {
            return Answer.error(ErrorCode.INVALID_SIGNATURE);
        }
        if (!ack.originServer().equals(federation.own().serverId())) {
            return Answer.error(ErrorCode.INVALID_ROUTE);
        }
        // the ack names only the message, not its conversation (the bucket): every bucket hears it, one knows it
        Outboxes.tellAll(sharding, link.peer(), new OutboxCommand.DeliveryReported(ack.messageId(), ack.deliveredTo(), ack.failedDevices()));
        return Answer.OK;
    }

    // ---- message_relay (§5.1 steps 3–10, §5.2) ----

    private CompletionStage<Answer> relay(InboundLinks.Link link, MessageRelay relay) {
        String peer = link.peer();
        UUID id = relay.messageId();
        if (!relay.originServer().equals(peer) || relay.metadata().hopCount() != 1) {
            return done(Answer.error(ErrorCode.INVALID_ROUTE, 0, id));
        }
        for (String user : relay.targetUsers()) {
            if (!UserIds.isLocal(user, settings.serverId())) {
                return done(Answer.error(ErrorCode.INVALID_ROUTE, 0, id));
            }
        }
        long nowMillis = System.currentTimeMillis();
        long ts = relay.metadata().timestamp();
        if (Math.abs(nowMillis * 1000 - ts) > SKEW_MICROS) {
            return done(Answer.error(ErrorCode.STALE_TIMESTAMP, 0, id));
        }
        long expiresAt = relay.metadata().expiresAt();
        if (expiresAt <= nowMillis / 1000) {
            return done(Answer.error(ErrorCode.MESSAGE_EXPIRED, 0, id));
        }
        if (expiresAt > Math.floorDiv(ts, 1_000_000L) + 86_400) {
            return done(Answer.error(ErrorCode.INVALID_FIELD, 0, id));
        }
        if (!FederationSignatures.verifyRelay(link.publicKey(), relay)) {
            return done(Answer.error(ErrorCode.INVALID_SIGNATURE, 0, id));
        }
        SequenceWindow.Verdict verdict = link.check(relay.sequenceNumber(), id);
        if (verdict == SequenceWindow.Verdict.OTHER_MESSAGE) {
            federation.audit().record(AuditEvent.of(AuditKinds.REPLAY_DETECTED).with("peer", peer).with("what", "relay-sequence"));
            return done(Answer.error(ErrorCode.REPLAY_DETECTED, 0, id));
        }
        if (verdict == SequenceWindow.Verdict.FRESH) {
            link.mark(relay.sequenceNumber(), id);
        }
        long keepUntil = nowMillis + Math.min(Math.max(expiresAt * 1000 - nowMillis, 600_000L), 86_400_000L) + 60_000L;
        var ledger = Outboxes.ledger(sharding, peer, id);
        Duration wait = timeout.compareTo(DUPLICATE_WAIT) > 0 ? timeout : DUPLICATE_WAIT;
        return ledger.<LedgerReply>ask(replyTo -> new LedgerCommand.Begin(id, replyTo), wait)
                .thenCompose(reply -> {
                    if (reply instanceof LedgerReply.Recorded recorded) {
                        return done(outcome(recorded.errorCode(), id));
                    }
                    if (verdict == SequenceWindow.Verdict.BELOW) { // below the window and unknown: renumber
                        ledger.tell(new LedgerCommand.Abandon(id));
                        return done(Answer.error(ErrorCode.STALE_SEQUENCE, 0, id));
                    }
                    return commit(peer, relay).thenCompose(code -> ledger
                            .<LedgerReply>ask(replyTo -> new LedgerCommand.Record(id, code, keepUntil, replyTo), timeout)
                            .thenApply(recorded -> outcome(((LedgerReply.Recorded) recorded).errorCode(), id)))
                            .exceptionally(error -> {
                                ledger.tell(new LedgerCommand.Abandon(id));
                                return Answer.error(ErrorCode.UNAVAILABLE, 1, id);
                            });
                })
                .exceptionally(error -> error instanceof java.util.concurrent.CompletionException c
                        && c.getCause() instanceof NorcException ? Answer.error(ErrorCode.UNAVAILABLE, 1, id)
                        : Answer.error(ErrorCode.UNAVAILABLE, 1, id));
    }

    private static Answer outcome(long code, UUID id) {
        if (code == 0) {
            return Answer.OK;
        }
        ErrorCode error = ErrorCode.ofCode(code);
        return Answer.error(error == null ? ErrorCode.INTERNAL : error, 0, id);
    }

    /**
     * Steps 7–9: classification gating, the payloads' checks, then the commit into each target
     * device's inbox. Completes with the outcome to record (0 = 200), or fails (nothing recorded: retryable).
     */
    private CompletionStage<Long> commit(String peer, MessageRelay relay) {
        TrustLevel needed = federation.settings().minimumGrant(relay.classification());
        if (federation.directory().grant(peer).compareTo(needed) < 0) {
            federation.audit().record(AuditEvent.of(AuditKinds.CLASSIFICATION_REFUSED).with("side", "receiver").with("peer", peer)
                    .with("classification", relay.classification().name().toLowerCase(java.util.Locale.ROOT))
                    .with("grant", federation.directory().grant(peer).name().toLowerCase(java.util.Locale.ROOT)));
            return CompletableFuture.completedFuture((long) ErrorCode.CLASSIFICATION_NOT_PERMITTED.code());
        }
        Map<UUID, MessageSend> copies = new LinkedHashMap<>();
        if (relay.encryptedPayloads().isEmpty()) {
            return CompletableFuture.completedFuture((long) ErrorCode.INVALID_FIELD.code());
        }
        for (Map.Entry<UUID, byte[]> e : relay.encryptedPayloads().entrySet()) {
            byte[] payload = e.getValue();
            if (payload.length == 0 || payload[0] != (byte) MessageType.MESSAGE_SEND.code()) {
                return CompletableFuture.completedFuture((long) (payload.length == 0 ? ErrorCode.INVALID_FIELD
                        : ErrorCode.UNEXPECTED_MESSAGE).code());
            }
            MessageSend copy;
            try {
                copy = (MessageSend) STORAGE.decodeMessage(payload);
            } catch (NorcException | ClassCastException ex) {
                return CompletableFuture.completedFuture((long) ErrorCode.INVALID_FIELD.code());
            }
            if (!copy.messageId().equals(relay.messageId()) || copy.metadata().classification() != relay.classification()
                    || copy.senderUserId().isEmpty() || !UserIds.wellFormed(copy.senderUserId().get())
                    || !UserIds.domain(copy.senderUserId().get()).equals(peer) || copy.senderDeviceId().isEmpty()
                    || copy.keys().size() != 1 || !copy.keys().containsKey(e.getKey())) {
                return CompletableFuture.completedFuture((long) ErrorCode.INVALID_FIELD.code());
            }
            copies.put(e.getKey(), copy);
        }
        Map<UUID, String> owners = new HashMap<>();
        List<CompletableFuture<Void>> resolved = new ArrayList<>();
        for (String user : new LinkedHashSet<>(relay.targetUsers())) {
            resolved.add(entities.user(user)
                    .<UserReply.Recipient>ask(UserCommand.ResolveRecipient::new, timeout)
                    .thenAccept(r -> {
                        synchronized (owners) {
                            r.devices().forEach(d -> owners.put(d, r.userId()));
                        }
                    }).toCompletableFuture());
        }
        long inboxExpiry = System.currentTimeMillis() + settings.delivery().messageTtl().toMillis();
        java.util.concurrent.atomic.AtomicBoolean inboxFull = new java.util.concurrent.atomic.AtomicBoolean();
        return CompletableFuture.allOf(resolved.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
            List<CompletableFuture<Void>> stores = new ArrayList<>();
            var outbox = Outboxes.forMessage(sharding, peer, relay.messageId());
            for (Map.Entry<UUID, MessageSend> e : copies.entrySet()) {
                UUID device = e.getKey();
                if (!owners.containsKey(device)) { // not a current device of a target user: reported, not refused
                    outbox.tell(new OutboxCommand.ReportDelivery(relay.messageId(), device, false));
                    continue;
                }
                byte[] stored = STORAGE.encodePayload(e.getValue());
                stores.add(entities.device(device)
                        .<DeviceReply.StoreReply>ask(replyTo -> new DeviceCommand.Store(relay.messageId(), stored,
                                e.getValue().senderDeviceId().get(), inboxExpiry, peer, replyTo), timeout)
                        .thenAccept(reply -> {
                            if (reply.result() == DeviceReply.StoreResult.REVOKED) {
                                outbox.tell(new OutboxCommand.ReportDelivery(relay.messageId(), device, false));
                            } else if (reply.result() == DeviceReply.StoreResult.INBOX_FULL) {
                                inboxFull.set(true);
                            }
                        }).toCompletableFuture());
            }
            // an inbox at its quota: 6001, which the origin retries (the copies stored are deduplicated then)
            return CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new))
                    .thenApply(done -> inboxFull.get() ? (long) ErrorCode.RATE_LIMITED.code() : 0L);
        });
    }

    private static CompletionStage<Answer> done(Answer answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
