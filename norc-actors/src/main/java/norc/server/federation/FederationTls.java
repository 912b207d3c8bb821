package norc.server.federation;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;

/**
 * TLS for NORC-F (federation profile §1): TLS 1.3 only, full handshakes, a client certificate
 * always required. TLS itself checks possession and the leaf's validity dates only; whether a
 * certificate belongs to the server it claims to be (SAN, fingerprint in its signed
 * {@code server_info}) is the application's check ({@link PeerDirectory#bound}), because peers
 * present self-signed certificates whose fingerprints they publish.
 */
public final class FederationTls {
    private static final String[] TLS13 = {"TLSv1.3"};

    private final KeyManagerFactory keys;
    private final List<X509Certificate> chain;
    private final X509Certificate certificate;

    public FederationTls(KeyManagerFactory keys) {
        this.keys = keys;
        this.chain = ownChain(keys);
        this.certificate = chain.get(0);
    }

    /** The certificate chain this server presents, leaf first (a {@code trust_request}'s {@code certificate_chain}). */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** Whether a CA issued this server's certificate (then it can prove control by {@code ca}). */
    public boolean caIssued() {
        return !certificate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal());
    }

    /** The certificate this server presents in both roles (its fingerprint goes into {@code server_info}). */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A server engine: client certificate required. Each engine has a context of its own, so no
     * session (or ticket) of another connection can be resumed: every handshake is a full one.
     */
    public SSLEngine serverEngine() {
        SSLEngine engine = context(new AnyValidLeaf(new AtomicReference<>())).createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(TLS13);
        engine.setNeedClientAuth(true);
        return engine;
    }

    /**
     * A client engine for one connection to {@code serverId} at {@code host:port}: SNI is the
     * server id dialed, and the server's leaf certificate is recorded into {@code peerLeaf} during
     * the handshake, for the binding check and the channel binding {@code cb}.
     */
    public SSLEngine clientEngine(String serverId, String host, int port, AtomicReference<X509Certificate> peerLeaf) {
        SSLEngine engine = context(new AnyValidLeaf(peerLeaf)).createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(TLS13);
        parameters.setServerNames(List.of(new SNIHostName(serverId)));
        engine.setSSLParameters(parameters);
        return engine;
    }

    private SSLContext context(TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keys.getKeyManagers(), new TrustManager[] {trust}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make a TLS 1.3 context: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> ownChain(KeyManagerFactory keys) {
        for (var manager : keys.getKeyManagers()) {
            if (manager instanceof X509KeyManager x509) {
                for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519"}) {
                    String[] aliases = x509.getServerAliases(type, null);
                    if (aliases != null && aliases.length > 0) {
                        X509Certificate[] chain = x509.getCertificateChain(aliases[0]);
                        if (chain != null && chain.length > 0) {
                            return List.of(chain);
                        }
                    }
                }
            }
        }
        throw new IllegalArgumentException("the TLS keystore holds no certificate with a private key for NORC-F");
    }

    /** Accepts any chain whose leaf is within its validity dates; records the leaf. */
    private static final class AnyValidLeaf extends X509ExtendedTrustManager {
        private final AtomicReference<X509Certificate> leaf;

        AnyValidLeaf(AtomicReference<X509Certificate> leaf) {
            this.leaf = leaf;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("no certificate");
            }
            chain[0].checkValidity();
            leaf.set(chain[0]);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
