package norc.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.KeyManagerFactory;
import norc.server.audit.AuditJournal;
import norc.server.audit.AuditLog;
import norc.server.connection.ConnectionActor;
import norc.server.connection.ConnectionSupervisor;
import norc.server.crypto.CryptoPool;
import norc.server.netty.NettyClientEndpoint;
import norc.server.netty.NettyTls;
import norc.persistence.JournalDatabase;
import norc.server.device.DeviceSessionEntity;
import norc.server.device.JournalTrimmer;
import norc.server.device.api.DeviceRestarted;
import norc.server.federation.Federation;
import norc.server.federation.FederationContext;
import norc.server.federation.FederationEndpoint;
import norc.server.federation.FederationTls;
import norc.server.federation.InboundLinks;
import norc.server.federation.IngressAllowance;
import norc.server.federation.OwnServerInfo;
import norc.server.federation.PeerDirectory;
import norc.server.federation.PeerLink;
import norc.server.federation.PeerOutbox;
import norc.server.federation.RelayLedger;
import norc.server.federation.RemoteDevices;
import norc.server.federation.TrustAnchors;
import norc.server.federation.TrustJournal;
import norc.server.federation.TrustManager;
import norc.server.federation.TrustView;
import norc.server.federation.TxtRecords;
import norc.server.federation.api.TrustSummary;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.Outboxes;
import norc.server.storage.BlobTables;
import norc.server.storage.MessageBodies;
import norc.server.storage.StorageSeal;
import norc.server.storage.StorageSweeper;
import norc.server.conversation.ConversationEntity;
import norc.server.conversation.Membership;
import norc.server.files.ChunkStore;
import norc.server.files.FileEntity;
import norc.server.files.FileQuota;
import norc.server.http.AdminEndpoint;
import norc.crypto.Bytes;
import norc.server.keys.SecretFile;
import norc.server.keys.ServerIdentity;
import norc.server.console.RestartReporter;
import norc.server.console.Restarts;
import norc.server.metrics.ClusterGauges;
import norc.server.metrics.DeadLetters;
import norc.server.metrics.JournalWrites;
import norc.server.metrics.ServerMetrics;
import norc.server.message.MessageRouter;
import norc.server.user.UserEntity;
import norc.session.ServerHandshake;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The root of the server's supervision tree (spec §7.2 {@code norc_server_sup}), declared here in
 * start order, each child's restart policy stated where it is spawned:
 *
 * <pre>
 * NorcGuardian
 * ├── cluster membership (a cluster of one unless seed nodes are configured)
 * ├── dead-letters: DeadLetters                   (counts dead letters by type, logs them a minute at a time
 * │                                                 without recipients; restart)
 * ├── audit-journal: AuditJournal                 (cluster singleton, event-sourced hash chain; restart
 * │                                                 with backoff, recovering the chain's head)
 * ├── audit-recorder: AuditRecorder               (this node's AuditLog: pseudonymise, rate-limit, send
 * │                                                 to the singleton; restart)
 * ├── sharding: UserEntity, DeviceSessionEntity   (event-sourced; restart with backoff on journal
 * │                                                 failure, recovering from the journal)
 * ├── sharding: PeerOutbox, RelayLedger           (federation: per peer server, event-sourced; restart
 * │                                                 with backoff, recovering the queue / replay cache)
 * ├── sharding: TrustJournal                      (NORC-T: per peer server, event-sourced, hash-chained)
 * ├── sharding: PeerLink, IngressAllowance        (federation: one link and one ingress budget per peer
 * │                                                 in the cluster, in memory; restart in place: a link
 * │                                                 forgets its connection and dials again)
 * ├── trust: TrustManager                         (restart: reloads every trust record into the node's view;
 * │   └── TrustExchange (one per trust request)     its exchanges are temporary children)
 * ├── cluster-gauges: ClusterGauges               (samples shards, entities, members for /metrics; restart)
 * ├── message-router: MessageRouter               (restart: stateless; its per-request workers are
 * │   └── MessageDelivery / KeyLookup / ...         temporary children)
 * ├── connections: ConnectionSupervisor           (restart; its ConnectionActor children are
 * │   └── ConnectionActor (one per WebSocket)       temporary: stop on failure, never restarted;
 * │                                                 their handshake crypto runs on norc.crypto-dispatcher)
 * └── endpoints: NORC-C wss://…/norc-c (Netty), admin http://127.0.0.1:8080,
 *                NORC-F https://…:8843 (HTTP/2, mutual TLS)                 (bound last)
 * </pre>
 *
 * Each restartable child is wrapped in a RestartReporter inside its supervise, so the console
 * (/console, GET /admin/tree) shows its restarts as they happen.
 *
 * Not built yet (later issues): the TrustManager's DNSSEC validation and OCSP/CRL (profile §9 leaves them out).
 * Startup fails as a whole if an endpoint cannot bind: the guardian stops and so does the system.
 */
public final class NorcGuardian {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    private record Bound(InetSocketAddress client, ServerBinding admin, ServerBinding federation) implements Command {}

    private record BindFailed(Throwable cause) implements Command {}

    /** What a started server listens on; {@code federation} null when federation is off. */
    public record Started(InetSocketAddress client, InetSocketAddress admin, InetSocketAddress federation) {}

    /** {@code tls}: the server's key and certificate (NORC-C unless plain, and NORC-F); null only when neither uses TLS. */
    public static Behavior<Command> create(ServerSettings settings, ServerIdentity identity, KeyManagerFactory tls, StorageSeal seal,
                                           ServerMetrics metrics, CompletableFuture<Started> started) {
        return Behaviors.setup(context -> new NorcGuardian(context, settings, identity, tls, seal, metrics, started).starting());
    }

    private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(5);
    /** Inside the service-requests-done phase's 8 s (norc-server.conf). */
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(6);
    /** How often a group asks an inbox that has not answered its copy again. */
    private static final Duration GROUP_INBOX_RETRY = Duration.ofSeconds(2);

    private final ActorContext<Command> context;
    private final CompletableFuture<Started> started;
    private final Federation federation;

    private NorcGuardian(ActorContext<Command> context, ServerSettings settings, ServerIdentity identity, KeyManagerFactory tls,
                         StorageSeal seal, ServerMetrics metrics,
                         CompletableFuture<Started> started) {
        this.context = context;
        this.started = started;
        FederationTls federationTls = settings.federation().enabled() ? new FederationTls(tls) : null;

        // 1. membership: join ourselves when no seed nodes are configured
        Cluster cluster = Cluster.get(context.getSystem());
        if (context.getSystem().settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }

        // the journal's inserts (group commit) reported to /metrics by its DAO
        JournalWrites.get(Adapter.toClassic(context.getSystem())).reportTo(metrics::journalBatchWritten);

        // dead letters counted and logged by type, never by recipient (restart: loses a minute's counts)
        // every restart of the guardian's own children is reported for the console (RestartReporter, inside each supervise)
        Restarts supervision = new Restarts();
        context.spawn(Behaviors.supervise(RestartReporter.of(supervision, DeadLetters.create(metrics)))
                .onFailure(SupervisorStrategy.restart()), "dead-letters");

        // 2. the audit log (one chain per cluster, its writer a singleton; policies in AuditJournal.start),
        //    then the sharded, event-sourced state (supervised by sharding; policies in each init),
        //    users' and devices' under pseudonymous persistence ids, sealed (StorageSeal)
        AuditLog audit = AuditJournal.start(context, settings);
        //    and named by pseudonyms of the ids they hold (ShardedEntities), so no actor path names anyone
        ShardedEntities entities = new ShardedEntities(ClusterSharding.get(context.getSystem()), seal.entityNames());
        UserEntity.init(context.getSystem(), entities, settings.delivery().snapshotEvery(), settings.session().contactsTtl(),
                settings.deviceKeys(), audit, seal,
                supervision);
        // a recovered device entity tells every node, so its connection attaches at once
        ActorRef<Topic.Command<DeviceRestarted>> restarts = context.spawn(
                Topic.create(DeviceRestarted.class, DeviceRestarted.TOPIC), "device-restarts");
        //    beside the journal, in its database: file chunks and group messages' ciphertexts, stored once (closed with the system);
        //    their expired rows deleted by the node's sweeper (restart: the next sweep finds them)
        BlobTables blobs = BlobTables.open(JournalDatabase.of(settings.database().url(), settings.database().user(),
                settings.database().password()), settings.storage().connections(), settings.database().connectionTimeout());
        context.getSystem().getWhenTerminated().thenRun(blobs::close);
        ChunkStore chunks = ChunkStore.open(blobs);
        MessageBodies bodies = MessageBodies.open(blobs);
        context.spawn(Behaviors.supervise(RestartReporter.of(supervision, StorageSweeper.create(chunks, bodies,
                        settings.storage().sweepInterval(), settings.storage().sweepGrace())))
                .onFailure(SupervisorStrategy.restart()), "storage-sweeper");
        // retention: drained inboxes' journal prefixes deleted together, once a second (restart: they are asked again)
        ActorRef<JournalTrimmer.Command> trimmer = context.spawn(Behaviors.supervise(RestartReporter.of(supervision, JournalTrimmer.create(
                        JournalDatabase.of(settings.database().url(), settings.database().user(), settings.database().password()),
                        settings.delivery().trimFlush(), metrics))).onFailure(SupervisorStrategy.restart()), "journal-trimmer");
        DeviceSessionEntity.init(context.getSystem(), entities, settings, metrics, restarts, seal, trimmer, JdbcReadJournal.Identifier(),
                bodies, supervision);
        //    groups': each the one order of its changes and messages, copied into the device inboxes
        ConversationEntity.init(context.getSystem(), entities, seal, new ConversationEntity.Settings(settings.serverId(),
                identity.secretKey(), new Membership.Limits(settings.groups().maxMembers(), settings.groups().maxSubjects()),
                settings.groups().maxCiphertext(), settings.delivery().messageTtl(), settings.delivery().commitTimeout(),
                GROUP_INBOX_RETRY), bodies, audit);
        //    files': their chunks in the chunk store
        FileEntity.init(context.getSystem(), entities, seal, chunks,
                new FileEntity.Settings(settings.files().uploadTtl(), settings.files().fileTtl()));
        FileQuota.init(context.getSystem(), entities, seal,
                new FileQuota.Limits(settings.files().quotaBytes(), settings.files().unsealedPerDevice()));

        // 3. federation: this node's links to peers, and the per-peer queues and replay caches
        Federation federation = null;
        if (settings.federation().enabled()) {
            TrustAnchors anchors = new TrustAnchors(settings.federation().trust().anchors());
            FederationContext shared = new FederationContext(settings.federation(),
                    new OwnServerInfo(settings.serverId(), identity, settings.federation(), federationTls.certificate(),
                            anchors.fingerprints()),
                    federationTls, new PeerDirectory(settings.federation(), new TrustView()), new InboundLinks(),
                    new TxtRecords(settings.federation().trust()), anchors, audit, metrics);
            ActorRef<Topic.Command<TrustSummary>> trustChanges = context.spawn(
                    Topic.create(TrustSummary.class, TrustSummary.TOPIC), "trust-changes");
            ActorRef<TrustManager.Command> trust = context.spawn(
                    Behaviors.supervise(RestartReporter.of(supervision, TrustManager.create(shared, trustChanges)))
                            .onFailure(SupervisorStrategy.restart()),
                    "trust");
            PeerOutbox.init(context.getSystem(), seal, metrics);
            PeerLink.init(context.getSystem(), shared);
            RelayLedger.init(context.getSystem());
            IngressAllowance.init(context.getSystem(), settings.federation().ingress());
            TrustJournal.init(context.getSystem(), shared, trustChanges, trust);
            federation = new Federation(shared, new RemoteDevices(), trust);
        }
        this.federation = federation;

        // shards, entities and members sampled for /metrics (restart: it keeps nothing)
        context.spawn(Behaviors.supervise(RestartReporter.of(supervision, ClusterGauges.create(metrics,
                        ShardedEntities.entityTypes(federation != null), settings.admin().metricsSampleInterval())))
                .onFailure(SupervisorStrategy.restart()), "cluster-gauges");

        // 4. the stateless router: restarted on failure, it keeps no state worth keeping
        ActorRef<MessageRouter.Command> router = context.spawn(
                Behaviors.supervise(RestartReporter.of(supervision, MessageRouter.create(settings, entities, federation, chunks)))
                        .onFailure(SupervisorStrategy.restart()),
                "message-router");

        // 5. the connection supervisor: restarted on failure (which, as in OTP, ends its children)
        ServerHandshake.Config handshake = new ServerHandshake.Config(settings.versions(), settings.suites(),
                settings.capabilities(), new ServerHandshake.Identity(settings.serverId(), identity.secretKey(), identity.publicKey()));
        ActorRef<ConnectionSupervisor.Command> connections = context.spawn(
                Behaviors.supervise(RestartReporter.of(supervision, ConnectionSupervisor.create(settings, handshake,
                                identity.secretKey(), entities, router, CryptoPool.of(context.getSystem()), metrics, restarts, audit)))
                        .onFailure(SupervisorStrategy.restart()),
                "connections");

        // on SIGTERM, after the endpoint stopped accepting: every connection hears 9002 and closes
        // (its client reconnects to another node), then sharding hands the shards off
        CoordinatedShutdown.get(context.getSystem()).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "norc-c-drain",
                () -> AskPattern.<ConnectionSupervisor.Command, Done>ask(connections,
                        replyTo -> new ConnectionSupervisor.Drain(DRAIN_DEADLINE, replyTo),
                        DRAIN_DEADLINE.plusSeconds(1), context.getSystem().scheduler()));

        // 6. endpoints, last: nothing is accepted before the tree above exists
        CompletionStage<ServerBinding> federationBound = federation == null ? CompletableFuture.completedFuture(null)
                : FederationEndpoint.bind(context.getSystem(), settings, federation.context(), entities);
        context.pipeToSelf(
                NettyClientEndpoint.bind(context.getSystem(), settings,
                                tls == null || settings.plainWebSocket() ? null : NettyTls.serverContext(tls, settings.transport()), connections)
                        .thenCombine(AdminEndpoint.bind(context.getSystem(), settings, adminToken(settings), entities, connections, metrics,
                                        audit, federation, supervision),
                                (client, admin) -> new Bound(client, admin, null))
                        .thenCombine(federationBound, (bound, f) -> new Bound(bound.client(), bound.admin(), f)),
                (bound, error) -> bound != null ? bound : new BindFailed(error));
    }

    private Behavior<Command> starting() {
        return Behaviors.receive(Command.class)
                .onMessage(Bound.class, this::onBound)
                .onMessage(BindFailed.class, this::onBindFailed)
                .build();
    }

    private Behavior<Command> onBound(Bound bound) {
        bound.admin().addToCoordinatedShutdown(UNBIND_DEADLINE, context.getSystem()); // the client endpoint registers its own
        if (bound.federation() != null) {
            bound.federation().addToCoordinatedShutdown(UNBIND_DEADLINE, context.getSystem());
            // outboxes start on first use; after a restart each node wakes every known peer's queue
            ClusterSharding sharding = ClusterSharding.get(context.getSystem());
            for (var peer : federation.context().directory().peers()) {
                Outboxes.tellAll(sharding, peer.serverId(), OutboxCommand.Wake.INSTANCE);
            }
        }
        started.complete(new Started(bound.client(), bound.admin().localAddress(),
                bound.federation() == null ? null : bound.federation().localAddress()));
        return Behaviors.receive(Command.class).build();
    }

    private Behavior<Command> onBindFailed(BindFailed failed) {
        Throwable cause = failed.cause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                ? c.getCause() : failed.cause();
        context.getLog().error("cannot bind an endpoint: {}", cause.getMessage());
        started.completeExceptionally(cause);
        return Behaviors.stopped();
    }

    /** The admin API's bearer token: the hex text of {@code norc.admin.token-file}, created on first start. */
    private static String adminToken(ServerSettings settings) {
        return Bytes.hex(SecretFile.loadOrCreate(settings.admin().tokenFile(), 32, "norc.admin.token-file",
                "the norc CLI, norc-load and scripts then need the new file"));
    }
}
