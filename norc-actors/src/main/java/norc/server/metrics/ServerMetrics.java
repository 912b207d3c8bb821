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
    private final Counter acknowledged = Counter.builder().name("norc_messages_acknowledged")
            .help("Stored messages a recipient device acknowledged (delivered or read)").register(registry);
    private final Counter discarded = Counter.builder().name("norc_frames_discarded")
            .help("Inbound frames silently discarded (profile §4.4), by reason").labelNames("reason").register(registry);
    private final Histogram ackBatch = Histogram.builder().name("norc_journal_ack_batch_size")
            .help("Acknowledgements journalled together in one device event")
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);

    private final Counter inboxFull = Counter.builder().name("norc_inbox_full")
            .help("Message copies refused because the recipient device's inbox was at its quota").register(registry);
    private final Counter payloadsRead = Counter.builder().name("norc_payloads_read")
            .help("Undelivered payloads read back from the journal to be delivered").register(registry);
    private final Counter relaysDropped = Counter.builder().name("norc_relays_dropped")
            .help("Presence updates and key exchanges from other users dropped past the target device's relay budget")
            .register(registry);
    private final Counter rowsTrimmed = Counter.builder().name("norc_journal_rows_trimmed")
            .help("Journal rows of drained inboxes deleted by retention").register(registry);

    private final Gauge peerLinks = Gauge.builder().name("norc_federation_links")
            .help("This node's NORC-F connections to peer servers that completed their hello").register(registry);

    private final Counter deadLetters = Counter.builder().name("norc_dead_letters")
            .help("Messages to actors that were gone, by message type (DeadLetters)").labelNames("type").register(registry);

    public ServerMetrics() {
        JvmMetrics.builder().register(registry);
        connections.labelValues("open").set(0);
        connections.labelValues("authenticated").set(0);
        for (ReceiveSession.DiscardReason reason : ReceiveSession.DiscardReason.values()) {
            discarded.labelValues(reason.name().toLowerCase());
        }
    }

    /** A message of {@code type} (a class name, never an id) reached no actor. */
    public void deadLetter(String type) {
        deadLetters.labelValues(type).inc();
    }

    /** A link to a peer came up ({@code +1}) or its connection closed ({@code -1}). */
    public void peerLink(int change) {
        peerLinks.inc(change);
    }

    public void connections(int open, int authenticated) {
        connections.labelValues("open").set(open);
        connections.labelValues("authenticated").set(authenticated);
    }

    public void sessionSetUp(long acceptedAtNanos) {
        setups.inc();
        setupSeconds.observe((System.nanoTime() - acceptedAtNanos) / 1e9);
    }

    public void authFailed(int code) {
        authFailures.labelValues(Integer.toString(code)).inc();
    }

    public void messageAccepted() {
        accepted.inc();
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

    public void relayDropped() {
        relaysDropped.inc();
    }

    public void rowsTrimmed(int count) {
        rowsTrimmed.inc(count);
    }

    public void acksJournalled(int count) {
        ackBatch.observe(count);
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
