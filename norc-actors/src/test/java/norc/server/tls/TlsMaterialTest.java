package norc.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-signed certificate is generated once, kept private, and serves a real TLS 1.3 handshake. */
class TlsMaterialTest {
    @TempDir
    Path dataDir;

    @Test
    void generatesOnceAndServesTls13ToAClientTrustingThePem() throws Exception {
        SSLContext server = TlsMaterial.serverContext(dataDir, "chat.example", "", "");
        Path tls = dataDir.resolve("tls");
        byte[] keystore = Files.readAllBytes(tls.resolve(TlsMaterial.KEYSTORE_FILE));
        assertThat(Files.getPosixFilePermissions(tls.resolve(TlsMaterial.PASSWORD_FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        TlsMaterial.serverContext(dataDir, "chat.example", "", "");
        assertThat(Files.readAllBytes(tls.resolve(TlsMaterial.KEYSTORE_FILE))).as("not regenerated").isEqualTo(keystore);

        X509Certificate cert;
        try (InputStream in = Files.newInputStream(tls.resolve(TlsMaterial.CERTIFICATE_PEM))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(cert.getSubjectAlternativeNames()).extracting(l -> l.get(1).toString())
                .contains("chat.example", "localhost", "127.0.0.1");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("norc", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLSv1.3");
        client.init(null, tmf.getTrustManagers(), null);

        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            listener.setEnabledProtocols(new String[] {"TLSv1.3"});
            CompletableFuture<Integer> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept(); InputStream in = s.getInputStream()) {
                    return in.read();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("localhost", listener.getLocalPort());
                 OutputStream out = socket.getOutputStream()) {
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
                out.write(42);
                out.flush();
                assertThat(served.get()).isEqualTo(42);
            }
        }
    }
}
