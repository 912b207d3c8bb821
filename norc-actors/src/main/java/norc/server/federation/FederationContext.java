package norc.server.federation;

import java.util.List;
import java.util.Optional;
import norc.server.audit.AuditLog;
import norc.server.metrics.ServerMetrics;
import norc.wire.message.ServerInfo;

/**
 * What every part of this node's federation shares, built once at start: the settings, this
 * server's identity and signed {@code server_info}, its TLS, the peer directory and the links
 * peers opened to this node, its metrics. Immutable references to thread-safe parts.
 */
public record FederationContext(FederationSettings settings, OwnServerInfo own, FederationTls tls, PeerDirectory directory,
                                InboundLinks links, TxtRecords txt, TrustAnchors anchors, AuditLog audit, ServerMetrics metrics) {

    /** Offered on every link (profile §3). */
    public static final List<String> CAPABILITIES = List.of("relay", "keys", "trust");

    /**
     * The validation methods this server proves and checks (profile §6.1): {@code ca} when a CA
     * issued its certificate, {@code dns} when it can publish its proof, {@code manual} always.
     */
    static List<norc.wire.message.Atoms.ValidationMethod> methods(FederationContext federation) {
        List<norc.wire.message.Atoms.ValidationMethod> methods = new java.util.ArrayList<>();
        if (federation.tls().caIssued()) {
            methods.add(norc.wire.message.Atoms.ValidationMethod.CA);
        }
        if (federation.txt().canPublish()) {
            methods.add(norc.wire.message.Atoms.ValidationMethod.DNS);
        }
        methods.add(norc.wire.message.Atoms.ValidationMethod.MANUAL);
        return List.copyOf(methods);
    }

    /**
     * Where to dial a peer (profile §2 "Where", clarification 7): the static configuration's address,
     * else the trust record's, else the first
     * NORC-F endpoint of its accepted {@code server_info}, else {@code server_id:8843}.
     */
    public Optional<FederationSettings.Address> addressOf(String peer) {
        Optional<FederationSettings.Peer> configured = directory.peer(peer);
        if (configured.isPresent() && configured.get().address() != null) {
            return Optional.of(configured.get().address());
        }
        Optional<String> recorded = directory.trust().get(peer).map(t -> t.address()).filter(a -> !a.isEmpty());
        if (recorded.isPresent()) {
            return Optional.of(FederationSettings.Address.parse(recorded.get(), 8843, "trust record address"));
        }
        Optional<ServerInfo> info = directory.serverInfo(peer);
        if (info.isPresent()) {
            for (ServerInfo.Endpoint e : info.get().endpoints()) {
                if ("norc_f".equals(e.protocol())) {
                    return Optional.of(new FederationSettings.Address(e.address(), e.port()));
                }
            }
        }
        return Optional.of(new FederationSettings.Address(peer, 8843));
    }
}
