package norc.server.federation;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import norc.error.ErrorCode;
import norc.federation.FederationSignatures;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkCommand.Cut;
import norc.server.federation.api.LinkCommand.Outgoing;
import norc.server.federation.api.LinkCommand.Send;
import norc.server.federation.api.LinkReply.Answered;
import norc.server.federation.api.LinkReply.Unreachable;
import norc.server.federation.api.RelayEntry;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.TrustRevocationReason;
import norc.wire.message.DeliveryAck;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.KeyRequest;
import norc.wire.message.MessageRelay;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerInfo;
import norc.wire.message.TrustCapability;
import norc.wire.message.TrustRequest;
import norc.wire.message.TrustResponse;
import norc.wire.message.TrustRevoke;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/**
 * This node's link to one peer (federation profile §3): dials it, checks its certificate against
 * its signed {@code server_info}, sends the hello and checks the answer, then carries requests on
 * the one HTTP/2 connection, each signed when sent (a retry is re-signed, with a new relay
 * sequence number). A state machine:
 * <pre>
 *   idle ──request──▶ connecting ──linked──▶ linked ──connection closed / 5003──▶ connecting
 *                          │ failed                                            (5003: the request is resent once)
 *                          ▼
 *                     backing off (requests answered Unreachable) ──time──▶ idle
 * </pre>
 * Connection failures back the whole peer off, {@code min(300 s, 2^(k−1) s) × U[0.5, 1)} after the
 * k-th in a row (§5.4). One per peer in the cluster (a sharded entity), because the peer keeps one
 * link per origin server: two nodes with a link each would replace each other's link state there.
 */
public final class PeerLink {
    /**
     * Registers the entity type: one link per peer in the cluster, on the node sharding puts it.
     * Supervision: a failure restarts the link in place (it forgets its connection and backoff and
     * dials again on the next request); never passivated (one per peer, and an idle one holds only
     * its connection), stopped and started elsewhere when its shard moves.
     */
    public static void init(ActorSystem<?> system, FederationContext federation) {
        ClusterSharding.get(system).init(Entity.of(LinkCommand.ENTITY_TYPE_KEY, entity -> Behaviors.supervise(
                                create(federation, entity.getEntityId())).onFailure(SupervisorStrategy.restart()))
                .withStopMessage(Stop.INSTANCE)
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    }

    private record Linked(PeerClient client, Set<String> capabilities) implements LinkCommand, NoSerializationVerificationNeeded {}

    private record LinkFailed(ErrorCode code, Throwable cause) implements LinkCommand, NoSerializationVerificationNeeded {}

    private record Finished(Send send, PeerClient client, PeerClient.Response response, Throwable error, boolean resent)
            implements LinkCommand, NoSerializationVerificationNeeded {}

    /** The shard moves or the node leaves: the connection closes, what waits is not answered (callers time out and retry). */
    private enum Stop implements LinkCommand, NoSerializationVerificationNeeded { INSTANCE }

    private record ConnectionClosed(PeerClient client) implements LinkCommand, NoSerializationVerificationNeeded {}

    private enum BackoffOver implements LinkCommand, NoSerializationVerificationNeeded { INSTANCE }

    static Behavior<LinkCommand> create(FederationContext federation, String peer) {
        return Behaviors.setup(context -> Behaviors.withStash(1024, stash ->
                Behaviors.withTimers(timers -> new PeerLink(context, stash, timers, federation, peer).idle())));
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ActorContext<LinkCommand> context;
    private final StashBuffer<LinkCommand> stash;
    private final TimerScheduler<LinkCommand> timers;
    private final FederationContext federation;
    private final String peer;
    private int failures;
    private long backoffUntil;
    private long sequence;

    private PeerLink(ActorContext<LinkCommand> context, StashBuffer<LinkCommand> stash,
                     TimerScheduler<LinkCommand> timers, FederationContext federation, String peer) {
        this.context = context;
        this.stash = stash;
        this.timers = timers;
        this.federation = federation;
        this.peer = peer;
    }

    // ---- idle: no connection ----

    private Behavior<LinkCommand> idle() {
        return Behaviors.receive(LinkCommand.class)
                .onMessage(Send.class, send -> {
                    stash.stash(send);
                    return connect();
                })
                .onMessage(Finished.class, this::onLateFinished)
                .onMessage(ConnectionClosed.class, c -> Behaviors.same())
                .onMessage(Cut.class, c -> Behaviors.same())
                .onMessage(Stop.class, c -> Behaviors.stopped())
                .build();
    }

    private Behavior<LinkCommand> connect() {
        Optional<FederationSettings.Address> address = federation.addressOf(peer);
        if (address.isEmpty()) {
            return failed(new LinkFailed(ErrorCode.FEDERATION_REFUSED, null));
        }
        PeerClient client = PeerClient.open(context.getSystem(), federation.tls(), peer, address.get());
        CompletionStage<Linked> handshake;
        try {
            handshake = handshake(client);
        } catch (RuntimeException e) {
            handshake = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        context.pipeToSelf(handshake, (linked, error) -> {
            if (error != null) {
                client.close();
                Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : error;
                return cause instanceof LinkRefused refused ? new LinkFailed(refused.code, refused) : new LinkFailed(ErrorCode.UNAVAILABLE, cause);
            }
            return linked;
        });
        return connecting();
    }

    private Behavior<LinkCommand> connecting() {
        return Behaviors.receive(LinkCommand.class)
                .onMessage(Send.class, send -> {
                    stash.stash(send);
                    return Behaviors.same();
                })
                .onMessage(Resend.class, resend -> {
                    stash.stash(resend);
                    return Behaviors.same();
                })
                .onMessage(Linked.class, this::onLinked)
                .onMessage(Cut.class, c -> Behaviors.same())
                .onMessage(Stop.class, c -> Behaviors.stopped())
                .onMessage(LinkFailed.class, this::failed)
                .onMessage(Finished.class, this::onLateFinished)
                .onMessage(ConnectionClosed.class, c -> Behaviors.same())
                .build();
    }

    /** Fetch and accept the peer's {@code server_info} over this connection, then hello (§3 steps 1 and 4). */
    private CompletionStage<Linked> handshake(PeerClient client) {
        return client.serverInfo().thenCompose(info -> {
            X509Certificate presented = client.peerCertificate().orElse(null);
            if (info == null || presented == null || federation.directory().accept(peer, info, presented) != null) {
                throw new LinkRefused(ErrorCode.IDENTITY_MISMATCH);
            }
            byte[] cb = FederationSignatures.channelBinding(federation.own().certificateDer(), PeerDirectory.der(presented));
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            FederationHello hello = FederationSignatures.signHello(federation.own().secretKey(), cb, new FederationHello(
                    federation.own().serverId(), new FederationHello.ProtocolVersions(List.of("2.0"), List.of("2.0")),
                    FederationContext.CAPABILITIES, nonce, nowMicros(), federation.own().publicKey(), new byte[64]));
            return client.post(hello).thenApply(response -> {
                if (response.status() != 200 || !(response.body() instanceof FederationHelloResponse answer)) {
                    throw new LinkRefused(response.error() != null ? response.code() : ErrorCode.UNAVAILABLE, response.status());
                }
                if (!answer.serverId().equals(peer) || !Arrays.equals(answer.serverPublicKey(), info.publicKey())
                        || Math.abs(nowMicros() - answer.timestamp()) > 60_000_000L
                        || !"2.0".equals(answer.negotiatedVersions().norcF()) || !"2.0".equals(answer.negotiatedVersions().norcT())
                        || !FederationSignatures.verifyHelloResponse(info.publicKey(), cb, hello, answer)) {
                    throw new LinkRefused(ErrorCode.IDENTITY_MISMATCH);
                }
                Set<String> capabilities = new java.util.HashSet<>(answer.capabilities());
                capabilities.retainAll(FederationContext.CAPABILITIES);
                return new Linked(client, Set.copyOf(capabilities));
            });
        });
    }

    private Behavior<LinkCommand> onLinked(Linked linked) {
        failures = 0;
        sequence = RANDOM.nextInt(1 << 24); // each link numbers its relays from a random start (§5.2)
        federation.metrics().peerLink(1);
        linked.client().closed().whenComplete((done, error) -> {
            federation.metrics().peerLink(-1);
            context.getSelf().tell(new ConnectionClosed(linked.client()));
        });
        context.getLog().debug("federation link up");
        return stash.unstashAll(linkedState(linked));
    }

    private Behavior<LinkCommand> failed(LinkFailed failure) {
        failures++;
        long capSeconds = Math.min(300, 1L << Math.min(failures - 1, 9));
        long waitMillis = (long) (capSeconds * 1000 * (0.5 + RANDOM.nextDouble() * 0.5));
        backoffUntil = System.currentTimeMillis() + waitMillis;
        if (failure.code() == ErrorCode.IDENTITY_MISMATCH) {
            federation.audit().record(AuditEvent.of(AuditKinds.IDENTITY_MISMATCH).with("side", "origin").with("peer", peer));
        }
        if (failure.cause() instanceof LinkRefused refused) {
            context.getLog().info("federation link refused with {} ({}), backing off {} ms", failure.code().code(),
                    refused.getMessage(), waitMillis);
        } else if (failure.cause() != null) {
            context.getLog().info("federation peer unreachable ({}), backing off {} ms", failure.cause().toString(), waitMillis);
        } else {
            context.getLog().info("federation link refused with {}, backing off {} ms", failure.code().code(), waitMillis);
        }
        stash.forEach(command -> {
            Send send = command instanceof Resend resend ? resend.send() : (Send) command;
            send.replyTo().tell(Unreachable.of(failure.code(), retryAfter()));
        });
        stash.clear();
        timers.startSingleTimer(BackoffOver.INSTANCE, Duration.ofMillis(waitMillis));
        return Behaviors.receive(LinkCommand.class)
                .onMessage(Send.class, send -> {
                    send.replyTo().tell(Unreachable.of(failure.code(), retryAfter()));
                    return Behaviors.same();
                })
                .onMessage(BackoffOver.class, b -> idle())
                .onMessage(Cut.class, c -> Behaviors.same())
                .onMessage(Stop.class, c -> Behaviors.stopped())
                .onMessage(Finished.class, this::onLateFinished)
                .onMessage(ConnectionClosed.class, c -> Behaviors.same())
                .build();
    }

    private long retryAfter() {
        return Math.max(1, (backoffUntil - System.currentTimeMillis() + 999) / 1000);
    }

    // ---- linked ----

    /**
     * Linked: requests go out on the connection, at most {@link PeerClient#MAX_IN_FLIGHT} at once
     * (profile §1: A keeps ≤ 256 in flight); the rest wait here in arrival order, so a burst slows
     * down instead of failing.
     */
    private Behavior<LinkCommand> linkedState(Linked link) {
        return Behaviors.receive(LinkCommand.class)
                .onMessage(Send.class, send -> {
                    submit(link, send, false);
                    return Behaviors.same();
                })
                .onMessage(Resend.class, resend -> {
                    submit(link, resend.send(), true);
                    return Behaviors.same();
                })
                .onMessage(Finished.class, finished -> onFinished(link, finished))
                .onMessage(ConnectionClosed.class, closed -> closed.client() == link.client() ? leaveLinked() : Behaviors.same())
                .onMessage(Cut.class, cut -> {
                    link.client().cut();
                    waiting.forEach(w -> w.send().replyTo().tell(Unreachable.of(ErrorCode.FEDERATION_REFUSED, 1)));
                    waiting.clear();
                    inFlight = 0;
                    return idle();
                })
                .onMessage(Stop.class, stop -> {
                    link.client().close();
                    return Behaviors.stopped();
                })
                .build();
    }

    /** A request waiting for a free stream. */
    private record Waiting(Send send, boolean resent) {}

    private final java.util.ArrayDeque<Waiting> waiting = new java.util.ArrayDeque<>();
    private int inFlight;

    private void submit(Linked link, Send send, boolean resent) {
        if (inFlight >= PeerClient.MAX_IN_FLIGHT) {
            waiting.add(new Waiting(send, resent));
            return;
        }
        inFlight++;
        NorcMessage message = build(send.what());
        PeerClient client = link.client();
        context.pipeToSelf(client.post(message), (response, error) -> new Finished(send, client, response, error, resent));
    }

    /** The connection is gone: what waited for a stream goes out after a new hello. */
    private Behavior<LinkCommand> leaveLinked() {
        inFlight = 0;
        waiting.forEach(w -> stash.stash(w.resent() ? new Resend(w.send()) : w.send()));
        waiting.clear();
        return stash.isEmpty() ? idle() : connect();
    }

    private Behavior<LinkCommand> onFinished(Linked link, Finished finished) {
        if (finished.client() != link.client()) {
            return onLateFinished(finished); // an answer from a connection before this one
        }
        inFlight--;
        while (inFlight < PeerClient.MAX_IN_FLIGHT && !waiting.isEmpty()) {
            Waiting next = waiting.poll();
            submit(link, next.send(), next.resent());
        }
        if (finished.error() != null) {
            finished.send().replyTo().tell(Unreachable.of(ErrorCode.UNAVAILABLE, 1));
            if (link.client().isClosed()) {
                return leaveLinked();
            }
            return Behaviors.same();
        }
        if (finished.response().code() == ErrorCode.LINK_REQUIRED && finished.response().error() != null && !finished.resent()) {
            // the peer lost the link (restart, another node): hello again, then resend once
            link.client().close();
            stash.stash(new Resend(finished.send()));
            return leaveLinked();
        }
        finished.send().replyTo().tell(answered(finished.response()));
        return Behaviors.same();
    }

    private static Answered answered(PeerClient.Response response) {
        return Answered.of(response.status(), response.body(), response.error());
    }

    /** A request answered {@code 5003} once: sent again after the new hello, not again after a second {@code 5003}. */
    private record Resend(Send send) implements LinkCommand, NoSerializationVerificationNeeded {}

    private Behavior<LinkCommand> onLateFinished(Finished finished) {
        if (finished.error() != null) {
            finished.send().replyTo().tell(Unreachable.of(ErrorCode.UNAVAILABLE, 1));
        } else {
            finished.send().replyTo().tell(answered(finished.response()));
        }
        return Behaviors.same();
    }

    private NorcMessage build(Outgoing what) {
        byte[] sk = federation.own().secretKey();
        if (what instanceof LinkCommand.Relay relay) {
            RelayEntry e = relay.entry();
            MessageRelay unsigned = new MessageRelay(e.messageId(), federation.own().serverId(), ++sequence, e.targetUsers(),
                    e.payloads(), Classification.valueOf(e.classification().toUpperCase(java.util.Locale.ROOT)),
                    new MessageRelay.RelayMetadata(nowMicros(), 1, e.expiresAt(), new byte[64]));
            return FederationSignatures.signRelay(sk, unsigned);
        }
        if (what instanceof LinkCommand.Ack ack) {
            return FederationSignatures.signDeliveryAck(sk, new DeliveryAck(ack.messageId(), ack.originServer(), ack.deliveredTo(),
                    ack.failedDevices(), nowMicros(), new byte[64]));
        }
        if (what instanceof LinkCommand.Keys keys) {
            return new KeyRequest(keys.userIds(), Optional.ofNullable(keys.filter()));
        }
        String self = federation.own().serverId();
        if (what instanceof LinkCommand.TrustCapability) {
            return FederationSignatures.signTrustCapability(sk, new TrustCapability(self, List.of("2.0"),
                    List.of(TrustLevel.BASIC, TrustLevel.VERIFIED, TrustLevel.CLASSIFIED, TrustLevel.NATO),
                    FederationContext.methods(federation), nowMicros(), new byte[64]));
        }
        if (what instanceof LinkCommand.TrustRequest request) {
            FederationSettings.Trust t = federation.settings().trust();
            return FederationSignatures.signTrustRequest(sk, new TrustRequest(self, peer, request.level(),
                    chainDer(), FederationSignatures.canon(federation.own().get()),
                    new TrustRequest.ContactInfo(t.adminEmail(), t.organization(), t.country()), nowMicros(), new byte[64]));
        }
        if (what instanceof LinkCommand.TrustResponse response) {
            return FederationSignatures.signTrustResponse(sk, response.challengeData(),
                    new TrustResponse(response.challengeId(), List.of(), new byte[64]));
        }
        LinkCommand.TrustRevoke revoke = (LinkCommand.TrustRevoke) what;
        return FederationSignatures.signTrustRevoke(sk, new TrustRevoke(self, peer, revoke.reason(), nowMicros(),
                Optional.empty(), new byte[64]));
    }

    private List<byte[]> chainDer() {
        List<byte[]> chain = new java.util.ArrayList<>();
        federation.tls().chain().forEach(c -> chain.add(PeerDirectory.der(c)));
        return List.copyOf(chain);
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    /** The peer refused the link with a code (as opposed to being unreachable). */
    private static final class LinkRefused extends RuntimeException {
        final ErrorCode code;

        LinkRefused(ErrorCode code) {
            this(code, 0);
        }

        LinkRefused(ErrorCode code, int status) {
            super("HTTP status " + status, null, false, false);
            this.code = code;
        }
    }
}
