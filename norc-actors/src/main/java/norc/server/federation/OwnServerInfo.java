package norc.server.federation;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import norc.federation.FederationSignatures;
import norc.server.keys.ServerIdentity;
import norc.wire.message.ServerInfo;

/**
 * This server's signed {@code server_info} (federation profile §2): identity key, one endpoint per
 * advertised address with the fingerprint of the certificate it presents, and its policy. Re-signed
 * when the copy in hand is older than {@link #RESIGN_AFTER}, so peers never hold one older than
 * allowed. Thread-safe: the endpoint serves it from many threads.
 */
public final class OwnServerInfo {
    /** Issuers re-sign at least hourly (profile §2). */
    static final Duration RESIGN_AFTER = Duration.ofMinutes(50);

    private final String serverId;
    private final ServerIdentity identity;
    private final FederationSettings settings;
    private final byte[] certificateDer;
    private final byte[] fingerprint;
    private final List<byte[]> anchors;
    private ServerInfo current;
    private int boundPort;

    public OwnServerInfo(String serverId, ServerIdentity identity, FederationSettings settings, X509Certificate certificate,
                         List<byte[]> anchors) {
        this.serverId = serverId;
        this.anchors = List.copyOf(anchors);
        this.identity = identity;
        this.settings = settings;
        try {
            this.certificateDer = certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode the TLS certificate", e);
        }
        this.fingerprint = FederationSignatures.fingerprint(certificateDer);
    }

    public String serverId() {
        return serverId;
    }

    public byte[] publicKey() {
        return identity.publicKey();
    }

    byte[] secretKey() {
        return identity.secretKey();
    }

    /** DER of the certificate this server presents as TLS server and as TLS client. */
    public byte[] certificateDer() {
        return certificateDer.clone();
    }

    /** The port the endpoint bound (the configured one, or the one picked for port 0). */
    synchronized void bound(int port) {
        boundPort = port;
        current = null;
    }

    /** The signed {@code server_info}, fresh. */
    public synchronized ServerInfo get() {
        long now = System.currentTimeMillis() * 1000;
        if (current == null || now - current.timestamp() > RESIGN_AFTER.toNanos() / 1000) {
            current = FederationSignatures.signServerInfo(identity.secretKey(), unsigned(now));
        }
        return current;
    }

    private ServerInfo unsigned(long timestampMicros) {
        List<FederationSettings.Address> addresses = settings.advertised().isEmpty()
                ? List.of(new FederationSettings.Address(serverId, boundPort == 0 ? settings.port() : boundPort))
                : settings.advertised();
        List<ServerInfo.Endpoint> endpoints = new ArrayList<>();
        for (FederationSettings.Address address : addresses) {
            endpoints.add(new ServerInfo.Endpoint("norc_f", address.host(), address.port(), fingerprint.clone()));
        }
        return new ServerInfo(serverId, identity.publicKey(), List.copyOf(endpoints), anchors,
                new ServerInfo.FederationPolicy(settings.trust().autoAccept(), settings.trust().requireVerification(),
                        settings.maxMessageSize()), timestampMicros, new byte[64]);
    }
}
