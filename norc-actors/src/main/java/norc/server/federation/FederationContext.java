package norc.server.federation;

import java.util.List;
import java.util.Optional;
import norc.wire.message.ServerInfo;

/**
 * What every part of this node's federation shares, built once at start: the settings, this
 * server's identity and signed {@code server_info}, its TLS, the peer directory and the links
 * peers opened to this node. Immutable references to thread-safe parts.
 *
 * @param capabilities what this server offers on a link; {@code trust} is not offered until NORC-T
 *                     is built, so trust requests are answered {@code 3011}
 */
public record FederationContext(FederationSettings settings, OwnServerInfo own, FederationTls tls, PeerDirectory directory,
                                InboundLinks links) {

    /** Offered on every link (profile §3): NORC-T ({@code trust}) is not built yet. */
    public static final List<String> CAPABILITIES = List.of("relay", "keys");

    /**
     * Where to dial a peer (profile §2 "Where"): the static configuration's address, else the first
     * NORC-F endpoint of its accepted {@code server_info}, else {@code server_id:8843}.
     */
    public Optional<FederationSettings.Address> addressOf(String peer) {
        Optional<FederationSettings.Peer> configured = directory.peer(peer);
        if (configured.isPresent() && configured.get().address() != null) {
            return Optional.of(configured.get().address());
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
