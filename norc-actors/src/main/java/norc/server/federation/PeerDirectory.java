package norc.server.federation;

import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import norc.error.ErrorCode;
import norc.federation.FederationSignatures;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.ServerInfo;

/**
 * Who this server federates with and what it knows of each (federation profile §2, §6): the static
 * peers of the configuration (key pinned, grant fixed), the grant enforced for each peer, admission,
 * and the {@code server_info} accepted from each, with the acceptance and binding rules. The
 * accepted copies are a node-local cache: each node fetches and checks them itself, so nothing
 * here must agree across the cluster. Thread-safe.
 * <p>Grants come from the static configuration first, then from the trust records NORC-T built
 * ({@link TrustView}, this node's copy of every {@link TrustJournal}).
 */
public final class PeerDirectory {
    private static final long DAY_MICROS = 86_400_000_000L;
    private static final long SKEW_MICROS = 60_000_000L;
    private static final long HOUR_MICROS = 3_600_000_000L;

    private final FederationSettings settings;
    private final TrustView trust;
    private final ConcurrentHashMap<String, ServerInfo> accepted = new ConcurrentHashMap<>();

    public PeerDirectory(FederationSettings settings, TrustView trust) {
        this.settings = settings;
        this.trust = trust;
    }

    /** This node's copy of the NORC-T trust records. */
    public TrustView trust() {
        return trust;
    }

    public Optional<FederationSettings.Peer> peer(String serverId) {
        return Optional.ofNullable(settings.peers().get(serverId));
    }

    public Collection<FederationSettings.Peer> peers() {
        return settings.peers().values();
    }

    /** {@code grant(P)}: the level this server gives {@code serverId} and enforces on what it sends and accepts. */
    public TrustLevel grant(String serverId) {
        FederationSettings.Peer peer = settings.peers().get(serverId);
        if (peer != null) {
            return peer.level();
        }
        return trust.get(serverId).filter(t -> !t.deny()).map(t -> t.grant()).orElse(TrustLevel.UNTRUSTED);
    }

    /** Whether an operator denied the server (profile §6.3): it always gets {@code 5001}. */
    public boolean denied(String serverId) {
        return !settings.peers().containsKey(serverId) && trust.get(serverId).map(t -> t.deny()).orElse(false);
    }

    /** Admission of a {@code federation_hello} (profile §2): static peers, servers with a trust record, or anyone when open. */
    public boolean admitted(String serverId) {
        if (denied(serverId)) {
            return false;
        }
        return settings.admission() == FederationSettings.Admission.OPEN || settings.peers().containsKey(serverId)
                || trust.get(serverId).map(t -> t.exists()).orElse(false);
    }

    /** The pinned identity key of a peer, if one is pinned (static configuration, else its first grant). */
    public Optional<byte[]> pinnedKey(String serverId) {
        Optional<byte[]> configured = peer(serverId).map(FederationSettings.Peer::publicKey);
        return configured.isPresent() ? configured : trust.get(serverId).map(t -> t.pinnedKey());
    }

    /** The accepted {@code server_info} of a peer, if one younger than 24 h is held. */
    public Optional<ServerInfo> serverInfo(String serverId) {
        ServerInfo info = accepted.get(serverId);
        if (info == null || nowMicros() - info.timestamp() > DAY_MICROS) {
            return Optional.empty();
        }
        return Optional.of(info);
    }

    /** Whether the held copy should be refreshed on next use (older than 1 h). */
    public boolean stale(String serverId) {
        ServerInfo info = accepted.get(serverId);
        return info == null || nowMicros() - info.timestamp() > HOUR_MICROS;
    }

    /**
     * Accepts {@code info} as {@code serverId}'s (profile §2 "Acceptance"), received on a connection
     * where {@code presented} is the certificate {@code serverId} showed. Returns {@code null} when
     * accepted (and cached), else {@link ErrorCode#IDENTITY_MISMATCH}.
     */
    public ErrorCode accept(String serverId, ServerInfo info, X509Certificate presented) {
        ErrorCode invalid = check(serverId, info);
        if (invalid != null) {
            return invalid;
        }
        if (presented != null && !bound(serverId, presented, info)) {
            return ErrorCode.IDENTITY_MISMATCH;
        }
        accepted.merge(serverId, info, (old, fresh) -> fresh.timestamp() >= old.timestamp() ? fresh : old);
        return null;
    }

    /** Signature, name, age, no rollback and the pinned key; not the connection binding (clarification 9). */
    public ErrorCode check(String serverId, ServerInfo info) {
        long now = nowMicros();
        if (!info.serverId().equals(serverId)
                || !FederationSignatures.verifyServerInfo(info.publicKey(), info)
                || info.timestamp() < now - DAY_MICROS || info.timestamp() > now + SKEW_MICROS) {
            return ErrorCode.IDENTITY_MISMATCH;
        }
        ServerInfo held = accepted.get(serverId);
        if (held != null && info.timestamp() < held.timestamp()) {
            return ErrorCode.IDENTITY_MISMATCH; // no rollback
        }
        Optional<byte[]> pinned = pinnedKey(serverId);
        if (pinned.isPresent() && !Arrays.equals(pinned.get(), info.publicKey())) {
            return ErrorCode.IDENTITY_MISMATCH;
        }
        return null;
    }

    /**
     * A certificate presented by {@code serverId} is bound iff its SAN names {@code serverId}
     * (exact, no wildcards), its fingerprint is one of {@code info}'s NORC-F endpoints and
     * {@code info}'s key is the pinned one (profile §1 "Identity").
     */
    public boolean bound(String serverId, X509Certificate certificate, ServerInfo info) {
        if (!sanNames(certificate, serverId)) {
            return false;
        }
        byte[] fp = fingerprint(certificate);
        boolean listed = info.endpoints().stream()
                .anyMatch(e -> "norc_f".equals(e.protocol()) && Arrays.equals(e.tlsFingerprint(), fp));
        Optional<byte[]> pinned = pinnedKey(serverId);
        return listed && (pinned.isEmpty() || Arrays.equals(pinned.get(), info.publicKey()));
    }

    /** Whether the certificate's SAN dNSName entries include {@code serverId}, ASCII case-insensitively. */
    public static boolean sanNames(X509Certificate certificate, String serverId) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return false;
            }
            for (List<?> name : names) {
                if (name.size() >= 2 && Integer.valueOf(2).equals(name.get(0)) && name.get(1) instanceof String dns
                        && dns.toLowerCase(Locale.ROOT).equals(serverId.toLowerCase(Locale.ROOT))) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    public static byte[] fingerprint(X509Certificate certificate) {
        return FederationSignatures.fingerprint(der(certificate));
    }

    /** The certificate's DER encoding (empty if it cannot be encoded, which binds to nothing). */
    public static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            return new byte[0];
        }
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }
}
