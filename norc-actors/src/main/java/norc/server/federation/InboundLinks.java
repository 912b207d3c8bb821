package norc.server.federation;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The links other servers opened to this node (federation profile §3): keyed by the peer's
 * {@code server_id}, found for a request by the client certificate's fingerprint, each with the
 * peer's link key, capabilities and relay sequence window (§5.2). Node-local by design: a peer
 * sends a hello first on every connection it opens and again after {@code 5003}, so a link need
 * not be known to other nodes. Links expire after 15 min idle and 24 h after their hello. Thread-safe.
 */
public final class InboundLinks {
    static final Duration IDLE = Duration.ofMinutes(15);
    static final Duration MAX_AGE = Duration.ofHours(24);
    static final Duration NONCE_MEMORY = Duration.ofSeconds(120);
    static final int WINDOW = 4096;

    /** One peer's link to this node. */
    public static final class Link {
        final String peer;
        final byte[] publicKey;
        final String clientFingerprint;
        final Set<String> capabilities;
        final long createdAt;
        volatile long lastUse;
        /** The validation methods the peer's {@code trust_capability} listed on this link; null before it (profile §6.2 step 1). */
        volatile java.util.List<norc.wire.message.Atoms.ValidationMethod> peerMethods;
        private final SequenceWindow window = new SequenceWindow(WINDOW);

        Link(String peer, byte[] publicKey, String clientFingerprint, Set<String> capabilities, long now) {
            this.peer = peer;
            this.publicKey = publicKey;
            this.clientFingerprint = clientFingerprint;
            this.capabilities = capabilities;
            this.createdAt = now;
            this.lastUse = now;
        }

        public String peer() {
            return peer;
        }

        /** The fingerprint (hex) of the TLS client certificate the peer's hello came on. */
        public String clientFingerprint() {
            return clientFingerprint;
        }

        public byte[] publicKey() {
            return publicKey.clone();
        }

        public boolean has(String capability) {
            return capabilities.contains(capability);
        }

        /** The sequence window's verdict for a relay's number (§5.2), without marking it. */
        public synchronized SequenceWindow.Verdict check(long sequence, UUID messageId) {
            return window.check(sequence, messageId);
        }

        public synchronized void mark(long sequence, UUID messageId) {
            window.mark(sequence, messageId);
        }
    }

    private final Map<String, Link> byPeer = new HashMap<>();
    private final Map<String, String> peerByFingerprint = new HashMap<>();
    private final Map<String, LinkedHashMap<String, Long>> nonces = new HashMap<>();

    /** Records a hello's nonce; false if {@code peer} used it within the last 120 s (§3 step 2.6). */
    public synchronized boolean freshNonce(String peer, String nonceHex, long nowMillis) {
        LinkedHashMap<String, Long> seen = nonces.computeIfAbsent(peer, p -> new LinkedHashMap<>());
        for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
            if (nowMillis - it.next() > NONCE_MEMORY.toMillis()) {
                it.remove();
            } else {
                break;
            }
        }
        return seen.putIfAbsent(nonceHex, nowMillis) == null;
    }

    /** The newest hello replaces the peer's link state and window (§3, clarification 1). */
    public synchronized Link open(String peer, byte[] publicKey, String clientFingerprint, Set<String> capabilities, long nowMillis) {
        Link old = byPeer.remove(peer);
        if (old != null) {
            peerByFingerprint.remove(old.clientFingerprint);
        }
        Link link = new Link(peer, publicKey, clientFingerprint, Set.copyOf(capabilities), nowMillis);
        byPeer.put(peer, link);
        peerByFingerprint.put(clientFingerprint, peer);
        return link;
    }

    /** The live link of the connection whose client certificate has this fingerprint, or null. */
    public synchronized Link forCertificate(String clientFingerprint, long nowMillis) {
        String peer = peerByFingerprint.get(clientFingerprint);
        Link link = peer == null ? null : byPeer.get(peer);
        if (link == null) {
            return null;
        }
        if (nowMillis - link.lastUse > IDLE.toMillis() || nowMillis - link.createdAt > MAX_AGE.toMillis()) {
            drop(peer);
            return null;
        }
        link.lastUse = nowMillis;
        return link;
    }

    /** Drops a peer's link (trust change, revocation). */
    public synchronized void drop(String peer) {
        Link link = byPeer.remove(peer);
        if (link != null) {
            peerByFingerprint.remove(link.clientFingerprint);
        }
    }
}
