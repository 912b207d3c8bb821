package norc.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import norc.session.ReceiveSession;

/**
 * The node's Prometheus metrics (served as text at {@code /metrics} on the admin port): JVM and
 * process families, and NORC's own. One registry per server (no global state, so several servers in
 * one JVM keep their figures apart). Prometheus types are thread-safe; actors only increment them.
 * No label ever carries a user, device or conversation id (spec §6.3): labels are states, reasons
 * and error codes.
 */
public final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    private final Gauge connections = Gauge.builder().name("norc_connections")
            .help("NORC-C connections on this node, by state (open: every socket with an actor; authenticated: those with a session)")
            .labelNames("state").register(registry);
    private final Gauge sessions = Gauge.builder().name("norc_sessions")
            .help("Authenticated NORC-C sessions on this node, by subprotocol (norc-c-v1, norc-c-json-v1)")
            .labelNames("subprotocol").register(registry);
    private final Counter setups = Counter.builder().name("norc_session_setups")
            .help("Sessions authenticated (registration or authentication)").register(registry);
    private final Histogram setupSeconds = Histogram.builder().name("norc_session_setup_seconds").unit(Unit.SECONDS)
            .help("From TCP accept to authenticated: TLS, upgrade, NORC handshake, authentication")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
    private final Counter authFailures = Counter.builder().name("norc_auth_failures")
            .help("Registrations and authentications refused, by error code").labelNames("code").register(registry);
    private final Counter accepted = Counter.builder().name("norc_messages_accepted")
            .help("message_send answered accepted: every recipient inbox committed").register(registry);
    private final Counter refused = Counter.builder().name("norc_messages_refused")
            .help("message_send answered with an error, by error code").labelNames("code").register(registry);
    private final Histogram acceptSeconds = Histogram.builder().name("norc_message_accept_seconds").unit(Unit.SECONDS)
            .help("From a message_send read off its connection to its accepted answer (every recipient inbox committed)")
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
    private final Counter delivered = Counter.builder().name("norc_messages_delivered")
            .help("Stored messages sent to a recipient device's connection (again after each reconnect until acknowledged)")
            .register(registry);
    private final Counter errorsSent = Counter.builder().name("norc_errors_sent")
            .help("error messages sent to clients, by code and by the type of the request they answer (none: unsolicited "
                    + "or before a frame was read); 6001 is rate limiting")
            .labelNames("code", "request").register(registry);
    private final Histogram commitSeconds = Histogram.builder().name("norc_journal_commit_seconds").unit(Unit.SECONDS)
            .help("A device entity's journal writes of stored messages, from persist to committed (group commit included)")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5).register(registry);
    private final Gauge inboxMessages = Gauge.builder().name("norc_inbox_messages")
            .help("Stored messages waiting in the inboxes of the device entities alive on this node").register(registry);
    private final Gauge shardedEntities = Gauge.builder().name("norc_sharded_entities")
            .help("Sharded entities alive on this node, by entity type").labelNames("type").register(registry);
    private final Gauge shards = Gauge.builder().name("norc_shards")
            .help("Shards hosted by this node, by entity type").labelNames("type").register(registry);
    private final Gauge members = Gauge.builder().name("norc_cluster_members")
            .help("Cluster members as this node sees them, by status (unreachable: reachability, whatever the status)")
            .labelNames("status").register(registry);
    private final Counter acknowledged = Counter.builder().name("norc_messages_acknowledged")
            .help("Stored messages a recipient device acknowledged (delivered or read)").register(registry);
    private final Counter discarded = Counter.builder().name("norc_frames_discarded")
            .help("Inbound frames silently discarded (profile §4.4), by reason").labelNames("reason").register(registry);
    private final Histogram ackBatch = Histogram.builder().name("norc_journal_ack_batch_size")
            .help("Acknowledgements journalled together in one device event")
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);

    private final Histogram journalBatchRows = Histogram.builder().name("norc_journal_batch_rows")
            .help("Rows the journal wrote in one insert: the writes of every entity that was waiting, together (group commit)")
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 400).register(registry);
    private final Histogram journalBatchSeconds = Histogram.builder().name("norc_journal_batch_seconds").unit(Unit.SECONDS)
            .help("How long the database took for one of the journal's inserts (the batch of norc_journal_batch_rows)")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5).register(registry);

    private final Counter inboxFull = Counter.builder().name("norc_inbox_full")
            .help("Message copies refused because the recipient device's inbox was at its quota").register(registry);
    private final Counter payloadsRead = Counter.builder().name("norc_payloads_read")
            .help("Undelivered payloads read back from the journal to be delivered").register(registry);
    private final Counter payloadsUnreadable = Counter.builder().name("norc_payloads_unreadable")
            .help("Undelivered messages dropped because the journal no longer held their rows").register(registry);
    private final Counter relaysDropped = Counter.builder().name("norc_relays_dropped")
            .help("Presence updates and key exchanges from other users dropped past the target device's relay budget")
            .register(registry);
    private final Counter ephemeralDropped = Counter.builder().name("norc_ephemeral_dropped")
            .help("Receipts and presence updates not sent because the connection's outbound queue was half full").register(registry);
    private final Counter rowsTrimmed = Counter.builder().name("norc_journal_rows_trimmed")
            .help("Journal rows of drained inboxes deleted by retention").register(registry);

    private final Gauge peerLinks = Gauge.builder().name("norc_federation_links")
            .help("This node's NORC-F connections to peer servers that completed their hello").register(registry);

    private final Gauge federationQueued = Gauge.builder().name("norc_federation_queued")
            .help("Relays waiting in the federation outboxes on this node for their peer to accept them").register(registry);

    private final Counter deadLetters = Counter.builder().name("norc_dead_letters")
            .help("Messages to actors that were gone, by message type (DeadLetters)").labelNames("type").register(registry);

    public ServerMetrics() {
        JvmMetrics.builder().register(registry);
        connections.labelValues("open").set(0);
        connections.labelValues("authenticated").set(0);
        for (norc.wire.WireEncoding encoding : norc.wire.WireEncoding.values()) {
            sessions.labelValues(encoding.subprotocol()).set(0);
        }
        for (ReceiveSession.DiscardReason reason : ReceiveSession.DiscardReason.values()) {
            discarded.labelValues(reason.name().toLowerCase());
        }
    }

    /** A message of {@code type} (a class name, never an id) reached no actor. */
    public void deadLetter(String type) {
        deadLetters.labelValues(type).inc();
    }

    /** Relays entered ({@code > 0}) or left ({@code < 0}) the federation outboxes on this node. */
    public void federationQueued(int change) {
        federationQueued.inc(change);
    }

    /** A link to a peer came up ({@code +1}) or its connection closed ({@code -1}). */
    public void peerLink(int change) {
        peerLinks.inc(change);
    }

    public void connections(int open, int authenticated) {
        connections.labelValues("open").set(open);
        connections.labelValues("authenticated").set(authenticated);
    }

    /** Authenticated sessions of one subprotocol on this node now. */
    public void sessions(norc.wire.WireEncoding encoding, int count) {
        sessions.labelValues(encoding.subprotocol()).set(count);
    }

    public void sessionSetUp(long acceptedAtNanos) {
        setups.inc();
        setupSeconds.observe((System.nanoTime() - acceptedAtNanos) / 1e9);
    }

    public void authFailed(int code) {
        authFailures.labelValues(Integer.toString(code)).inc();
    }

    /** {@code readAtNanos}: when the message_send was read ({@link System#nanoTime()}). */
    public void messageAccepted(long readAtNanos) {
        accepted.inc();
        acceptSeconds.observe((System.nanoTime() - readAtNanos) / 1e9);
    }

    public void messageDelivered() {
        delivered.inc();
    }

    /** {@code request}: the wire name of the request answered, or {@code none}. */
    public void errorSent(long code, String request) {
        errorsSent.labelValues(Long.toString(code), request).inc();
    }

    /** A device entity's write of a stored message committed, {@code startedAtNanos} after it was asked. */
    public void journalCommitted(long startedAtNanos) {
        commitSeconds.observe((System.nanoTime() - startedAtNanos) / 1e9);
    }

    /** Messages entered ({@code > 0}) or left ({@code < 0}) the inboxes on this node. */
    public void inboxMessages(int change) {
        inboxMessages.inc(change);
    }

    /** What this node's shard regions host now. */
    public void sharding(String entityType, int shardCount, int entityCount) {
        shards.labelValues(entityType).set(shardCount);
        shardedEntities.labelValues(entityType).set(entityCount);
    }

    /** Members by status as this node sees them now; every status of {@code statuses} is set (0 when none). */
    public void clusterMembers(java.util.Map<String, Integer> byStatus) {
        byStatus.forEach((status, count) -> members.labelValues(status).set(count));
    }

    public void messageRefused(int code) {
        refused.labelValues(Integer.toString(code)).inc();
    }

    public void messageAcknowledged() {
        acknowledged.inc();
    }

    public void frameDiscarded(ReceiveSession.DiscardReason reason) {
        discarded.labelValues(reason.name().toLowerCase()).inc();
    }

    public void inboxFull() {
        inboxFull.inc();
    }

    public void payloadsRead(int count) {
        payloadsRead.inc(count);
    }

    public void payloadsUnreadable(int count) {
        payloadsUnreadable.inc(count);
    }

    public void relayDropped() {
        relaysDropped.inc();
    }

    public void ephemeralDropped() {
        ephemeralDropped.inc();
    }

    public void rowsTrimmed(int count) {
        rowsTrimmed.inc(count);
    }

    /** The journal inserted {@code rows} in one batch, in {@code nanos}. */
    public void journalBatchWritten(int rows, long nanos) {
        journalBatchRows.observe(rows);
        journalBatchSeconds.observe(nanos / 1e9);
    }

    public void acksJournalled(int count) {
        ackBatch.observe(count);
    }

    /**
     * The console's overview now: running totals (the page turns them into rates) and the sums
     * and counts of the set-up and accept latencies (their means over any interval).
     */
    public java.util.Map<String, Double> overview() {
        java.util.Map<String, Double> now = new java.util.LinkedHashMap<>();
        now.put("session_setups", setups.get());
        now.put("messages_accepted", accepted.get());
        now.put("messages_delivered", delivered.get());
        now.put("messages_acknowledged", acknowledged.get());
        now.put("inbox_messages", inboxMessages.get());
        putHistogram(now, "setup_seconds", setupSeconds);
        putHistogram(now, "accept_seconds", acceptSeconds);
        return now;
    }

    private static void putHistogram(java.util.Map<String, Double> into, String name, Histogram histogram) {
        var points = histogram.collect().getDataPoints();
        into.put(name + "_sum", points.isEmpty() ? 0 : points.get(0).getSum());
        into.put(name + "_count", points.isEmpty() ? 0 : (double) points.get(0).getCount());
    }

    /** The Prometheus text format (version 0.0.4) of every family now. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            text.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public String contentType() {
        return text.getContentType();
    }
}
