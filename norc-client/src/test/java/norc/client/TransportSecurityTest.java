package norc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust choices and the loopback-only relaxations, without opening a socket. */
class TransportSecurityTest {
    @TempDir
    Path dir;

    Path pem() throws IOException {
        Path file = dir.resolve("server.pem");
        try (InputStream in = TransportSecurityTest.class.getResourceAsStream("/test-server-cert.pem")) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    @Test
    void aPemOrPkcs12CertificateBecomesATls13TrustStore() throws Exception {
        SSLContext fromPem = TransportSecurity.trustCertificate(pem(), null);
        assertThat(fromPem.getProtocol()).isEqualTo("TLSv1.3");

        Certificate certificate;
        try (InputStream in = Files.newInputStream(pem())) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("server", certificate);
        Path p12 = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            store.store(out, "pw".toCharArray());
        }
        assertThatCode(() -> TransportSecurity.trustCertificate(p12, "pw".toCharArray())).doesNotThrowAnyException();
    }

    @Test
    void aFileWithoutACertificateIsRefused() throws IOException {
        Path file = dir.resolve("empty.pem");
        Files.writeString(file, "nothing here");
        assertThatThrownBy(() -> TransportSecurity.trustCertificate(file, null)).isInstanceOf(IOException.class);
    }

    @Test
    void trustingAnyCertificateIsForLoopbackOnly() {
        assertThatCode(() -> TransportSecurity.insecureLoopbackOnly(URI.create("wss://127.0.0.1:8443/norc-c")))
                .doesNotThrowAnyException();
        assertThatCode(() -> TransportSecurity.insecureLoopbackOnly(URI.create("wss://[::1]:8443/norc-c")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TransportSecurity.insecureLoopbackOnly(URI.create("wss://192.0.2.7:8443/norc-c")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plainWebSocketsOnlyWhenAskedAndOnlyToLoopback() {
        assertThatCode(() -> TransportSecurity.checkScheme(URI.create("wss://192.0.2.7/norc-c"), false))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TransportSecurity.checkScheme(URI.create("ws://127.0.0.1/norc-c"), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> TransportSecurity.checkScheme(URI.create("ws://127.0.0.1/norc-c"), true))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TransportSecurity.checkScheme(URI.create("ws://192.0.2.7/norc-c"), true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TransportSecurity.checkScheme(URI.create("https://192.0.2.7/norc-c"), true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void webSocketConnectRefusesPlainTextBeforeAnyNetworkUse() {
        assertThatThrownBy(() -> WebSocketTransport.connect(URI.create("ws://192.0.2.7/norc-c"),
                norc.wire.WireEncoding.BINARY, WebSocketTransport.Options.defaults().withPlaintextLoopback(true)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
