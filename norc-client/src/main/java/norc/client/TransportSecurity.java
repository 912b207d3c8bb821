package norc.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a client trusts the server's TLS 1.3 certificate (profile §2): the system trust store, one
 * given certificate (PEM, DER or PKCS#12), or, for loopback hosts only and only when asked, any
 * certificate. Plain {@code ws://} is likewise refused unless asked for and the host is loopback.
 * Hostname verification stays on except in the loopback-only trust-anything mode.
 */
public final class TransportSecurity {
    /** The only TLS version NORC-C uses. */
    public static final String TLS_VERSION = "TLSv1.3";

    private TransportSecurity() {}

    /** TLS 1.3 with the JDK's default trust store. */
    public static SSLContext systemTrust() {
        return context(null);
    }

    /**
     * TLS 1.3 trusting exactly the certificates in {@code file} (a self-signed server certificate
     * or a private CA): PEM or DER X.509, or a PKCS#12 store ({@code .p12}/{@code .pfx}) whose
     * password is {@code password} (empty if {@code null}).
     */
    public static SSLContext trustCertificate(Path file, char[] password) throws IOException {
        List<Certificate> certificates = readCertificates(file, password == null ? new char[0] : password);
        if (certificates.isEmpty()) {
            throw new IOException("no certificate found in " + file.getFileName());
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("trusted-" + i, certificates.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return context(factory.getTrustManagers());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a trust store from " + file.getFileName(), e);
        }
    }

    /**
     * TLS 1.3 that accepts any server certificate, without hostname verification: only for a
     * loopback {@code server} (tests, a local development server).
     *
     * @throws IllegalArgumentException if the host is not a loopback address
     */
    public static SSLContext insecureLoopbackOnly(URI server) {
        requireLoopback(server, "trusting any certificate");
        return context(new TrustManager[] {new TrustAnything()});
    }

    /**
     * Refuses plain {@code ws://} unless {@code allowPlaintextLoopback} and the host is loopback
     * (profile §2: never silently); accepts {@code wss://}.
     */
    public static void checkScheme(URI server, boolean allowPlaintextLoopback) {
        String scheme = server.getScheme() == null ? "" : server.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("wss")) {
            return;
        }
        if (!scheme.equals("ws")) {
            throw new IllegalArgumentException("the server address must be a wss:// URI");
        }
        if (!allowPlaintextLoopback) {
            throw new IllegalArgumentException("plain ws:// is refused; use wss:// (ws:// only on loopback, when asked)");
        }
        requireLoopback(server, "plain ws://");
    }

    /**
     * Whether every address {@code host} names is a loopback address. IP literals are not looked
     * up; a name is resolved.
     */
    public static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            InetAddress[] addresses = InetAddress.getAllByName(bare);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void requireLoopback(URI server, String what) {
        if (!isLoopback(server.getHost())) {
            throw new IllegalArgumentException(what + " is allowed only for a loopback host");
        }
    }

    private static SSLContext context(TrustManager[] trustManagers) {
        try {
            SSLContext context = SSLContext.getInstance(TLS_VERSION);
            context.init(null, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS 1.3 is not available in this JDK", e);
        }
    }

    private static List<Certificate> readCertificates(Path file, char[] password) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".p12") || name.endsWith(".pfx")) {
            try (InputStream in = Files.newInputStream(file)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(in, password);
                List<Certificate> out = new ArrayList<>();
                for (String alias : Collections.list(store.aliases())) {
                    Certificate certificate = store.getCertificate(alias);
                    if (certificate != null) {
                        out.add(certificate);
                    }
                }
                return out;
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot read the PKCS#12 file " + file.getFileName(), e);
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
            return new ArrayList<>(read);
        } catch (CertificateException e) {
            throw new IOException("cannot read an X.509 certificate from " + file.getFileName(), e);
        }
    }

    /** Accepts every server; reachable only through {@link #insecureLoopbackOnly}. */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
