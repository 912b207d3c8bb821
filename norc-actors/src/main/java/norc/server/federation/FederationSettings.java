package norc.server.federation;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import norc.crypto.Bytes;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.TrustLevel;

/**
 * The {@code norc.federation} section (federation profile §1, §2, §5, §6.4), validated once.
 *
 * @param enabled        whether NORC-F is served and used at all (off: other domains get {@code 5001})
 * @param host           interface of the NORC-F endpoint
 * @param port           its port (8843)
 * @param advertised     the endpoints written into {@code server_info}, in dialing order
 * @param admission      who may open a link (profile §2: allowlist or open)
 * @param relayTtl       how long a relay is retried before the sender hears {@code 5010}
 * @param maxMessageSize largest request body accepted and advertised
 * @param peers          the statically configured peers, key pinned, grant fixed
 * @param minimumGrant   the grant each classification needs
 * @param trust          NORC-T policy and proofs
 */
public record FederationSettings(boolean enabled, String host, int port, List<Address> advertised, Admission admission,
                                 Duration relayTtl, long maxMessageSize, Map<String, Peer> peers,
                                 Map<Classification, TrustLevel> minimumGrant, Trust trust, Ingress ingress) {

    /**
     * Per-peer ingress limits (spec §6.16, profile §5.3: 1000 requests per 60 s, 10^8 body bytes per
     * 300 s). They cap what one peer can relay here: about 16 requests a second sustained.
     */
    public record Ingress(int requestsPerMinute, long bytesPerFiveMinutes) {}

    /**
     * NORC-T (profile §6): {@code autoAccept} grants basic on a passed dns/ca proof without an
     * operator; {@code requireVerification} makes verified the minimum for every classification;
     * {@code dnsZoneFile}, when set, is a file of TXT records ({@code name value} per line) used both
     * to publish this server's proofs and to look up peers' (one machine, tests, demos); otherwise
     * peers' records are looked up in DNS ({@code dnsServer}, empty: the system's) and this server
     * cannot publish its own, so it does not offer {@code dns}.
     */
    public record Trust(boolean autoAccept, boolean requireVerification, String dnsZoneFile, String dnsServer, boolean dnsLookups,
                        String adminEmail, String organization, String country, List<Anchor> anchors) {}

    /** A CA certificate accepted for the {@code ca} method, for the levels listed (profile §6.1). */
    public record Anchor(String certificate, List<TrustLevel> levels) {}

    public boolean autoAccept() {
        return trust.autoAccept();
    }

    public enum Admission { ALLOWLIST, OPEN }

    /** A host and port to dial. */
    public record Address(String host, int port) {
        static Address parse(String text, int defaultPort, String key) {
            String value = text.strip();
            int colon = value.lastIndexOf(':');
            if (colon > 0 && value.indexOf(']') < colon && value.substring(colon + 1).matches("[0-9]{1,5}")) {
                int port = Integer.parseInt(value.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException(key + ": port out of range in \"" + text + "\"");
                }
                return new Address(value.substring(0, colon), port);
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(key + ": empty address");
            }
            return new Address(value, defaultPort);
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** A static peer (profile §2 "static peers"): pinned key, grant = level, method manual. */
    public record Peer(String serverId, Address address, byte[] publicKey, TrustLevel level) {}

    public TrustLevel minimumGrant(Classification classification) {
        TrustLevel level = minimumGrant.get(classification);
        return trust.requireVerification() && level.compareTo(TrustLevel.VERIFIED) < 0 ? TrustLevel.VERIFIED : level;
    }

    public static FederationSettings from(Config c, String serverId) {
        Config f = c.getConfig("federation");
        int port = f.getInt("port");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("norc.federation.port must be 0..65535, not " + port);
        }
        List<Address> advertised = new ArrayList<>();
        for (String a : f.getStringList("advertised-addresses")) {
            advertised.add(Address.parse(a, port == 0 ? 8843 : port, "norc.federation.advertised-addresses"));
        }
        Admission admission = switch (f.getString("admission")) {
            case "allowlist" -> Admission.ALLOWLIST;
            case "open" -> Admission.OPEN;
            default -> throw new IllegalArgumentException("norc.federation.admission must be allowlist or open, not \""
                    + f.getString("admission") + "\"");
        };
        Duration ttl = f.getDuration("relay-ttl");
        if (ttl.compareTo(Duration.ofSeconds(600)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
            throw new IllegalArgumentException("norc.federation.relay-ttl must be between 600s and 24h (profile §5.1), not " + ttl);
        }
        long maxSize = f.getBytes("max-message-size");
        if (maxSize < 64 * 1024 || maxSize > 64L * 1024 * 1024) {
            throw new IllegalArgumentException("norc.federation.max-message-size must be between 64 KiB and 64 MiB, not " + maxSize);
        }
        Map<String, Peer> peers = new LinkedHashMap<>();
        for (Config p : f.getConfigList("peers")) {
            Peer peer = new Peer(p.getString("server-id"),
                    p.hasPath("address") ? Address.parse(p.getString("address"), 8843, "norc.federation.peers.address") : null,
                    key(p.getString("public-key")), level(p.hasPath("level") ? p.getString("level") : "basic"));
            addPeer(peers, peer, serverId);
        }
        for (String entry : f.getString("peers-list").split(",")) {
            if (!entry.isBlank()) {
                addPeer(peers, parsePeer(entry.strip()), serverId);
            }
        }
        Map<Classification, TrustLevel> minimum = new LinkedHashMap<>();
        Config m = f.getConfig("minimum-grant");
        for (Classification cl : Classification.values()) {
            minimum.put(cl, level(m.getString(cl.name().toLowerCase(Locale.ROOT))));
        }
        Config t = f.getConfig("trust");
        String country = t.getString("country");
        if (!country.matches("[A-Z]{2}")) {
            throw new IllegalArgumentException("norc.federation.trust.country must be an ISO 3166-1 alpha-2 code such as DE, not \""
                    + country + "\"");
        }
        List<Anchor> anchors = new ArrayList<>();
        for (Config a : t.getConfigList("anchors")) {
            List<TrustLevel> levels = new ArrayList<>();
            for (String level : a.getStringList("levels")) {
                TrustLevel parsed = level(level);
                if (parsed == TrustLevel.UNTRUSTED) {
                    throw new IllegalArgumentException("norc.federation.trust.anchors: levels are basic, verified, classified or nato");
                }
                levels.add(parsed);
            }
            anchors.add(new Anchor(a.getString("certificate"), List.copyOf(levels)));
        }
        new TrustAnchors(anchors); // every anchor file must be readable now, not at the first trust request
        Trust trust = new Trust(t.getBoolean("auto-accept"), t.getBoolean("require-verification"), t.getString("dns-zone-file"),
                t.getString("dns-server"), t.getBoolean("dns-lookups"), t.getString("admin-email"), t.getString("organization"), country,
                List.copyOf(anchors));
        int requests = f.getInt("ingress.requests-per-minute");
        long bytes = f.getBytes("ingress.bytes-per-5-minutes");
        if (requests < 1 || bytes < maxSize) {
            throw new IllegalArgumentException("norc.federation.ingress: requests-per-minute must be at least 1 and"
                    + " bytes-per-5-minutes at least max-message-size");
        }
        return new FederationSettings(f.getBoolean("enabled"), f.getString("interface"), port, List.copyOf(advertised), admission,
                ttl, maxSize, Map.copyOf(peers), Map.copyOf(minimum), trust, new Ingress(requests, bytes));
    }

    /** {@code server_id[@host:port]/public_key_hex[/level]}, the form of {@code NORC_FEDERATION_PEERS}. */
    static Peer parsePeer(String entry) {
        String[] parts = entry.split("/");
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("NORC_FEDERATION_PEERS: \"" + entry
                    + "\" is not server_id[@host:port]/public_key_hex[/level]");
        }
        String id = parts[0];
        Address address = null;
        int at = id.indexOf('@');
        if (at >= 0) {
            address = Address.parse(id.substring(at + 1), 8843, "NORC_FEDERATION_PEERS");
            id = id.substring(0, at);
        }
        return new Peer(id, address, key(parts[1]), level(parts.length == 3 ? parts[2] : "basic"));
    }

    private static void addPeer(Map<String, Peer> peers, Peer peer, String serverId) {
        if (!peer.serverId().matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("norc.federation.peers: \"" + peer.serverId() + "\" is not a lowercase domain name");
        }
        if (peer.serverId().equals(serverId)) {
            throw new IllegalArgumentException("norc.federation.peers lists this server itself (" + serverId + ")");
        }
        if (peer.level() == TrustLevel.UNTRUSTED) {
            throw new IllegalArgumentException("norc.federation.peers: level of " + peer.serverId()
                    + " must be basic, verified, classified or nato");
        }
        peers.put(peer.serverId(), peer);
    }

    private static byte[] key(String hex) {
        byte[] key;
        try {
            key = Bytes.unhex(hex.strip());
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("norc.federation.peers: public-key must be the peer's 32-byte Ed25519 identity"
                    + " key in hex (its server prints it at start-up)");
        }
        return key;
    }

    private static TrustLevel level(String name) {
        for (TrustLevel level : TrustLevel.values()) {
            if (level.name().toLowerCase(Locale.ROOT).equals(name)) {
                return level;
            }
        }
        throw new IllegalArgumentException("norc.federation: \"" + name + "\" is not a trust level"
                + " (untrusted, basic, verified, classified, nato)");
    }
}
