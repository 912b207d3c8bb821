package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import norc.client.TransportSecurity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-source admission at TCP accept (hardening): a source past its open-connection cap, or past
 * its new-connection rate, is closed before TLS, while another source connects fine. Shortened
 * here to 3 open and a burst of 5 (then 6 a minute); the defaults are 1,000 and 300 (3,600 a
 * minute).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SourceLimitsIT {
    private static final InetAddress ONE = InetAddress.getLoopbackAddress();
    private static final InetAddress OTHER;

    static {
        try {
            OTHER = InetAddress.getByName("127.0.0.2");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.client { max-connections-per-source = 3, "
                + "new-connections-per-source-per-minute = 6, new-connection-burst-per-source = 5 }");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aSourcePastItsLimitsIsRefusedWhileAnotherConnects() throws Exception {
        List<SSLSocket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(tls(ONE));
        }
        assertThat(refused(ONE)).as("a 4th open connection from one source").isTrue();
        SSLSocket other = tls(OTHER);
        for (SSLSocket socket : open) {
            socket.close();
        }
        Thread.sleep(300); // the server sees the closes
        open.clear();
        open.add(tls(ONE));
        open.add(tls(ONE)); // 5 new connections: the burst is spent
        assertThat(refused(ONE)).as("a 6th new connection within the burst window, with only 2 open").isTrue();
        assertThat(refused(OTHER)).as("the other source has its own budget").isFalse();
        for (SSLSocket socket : open) {
            socket.close();
        }
        other.close();
    }

    private SSLSocket tls(InetAddress from) throws Exception {
        SSLSocket socket = (SSLSocket) TransportSecurity.trustCertificate(server.server.certificatePem(), new char[0])
                .getSocketFactory().createSocket("127.0.0.1", server.server.clientPort(), from, 0);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return socket;
    }

    private boolean refused(InetAddress from) {
        try (SSLSocket socket = tls(from)) {
            return false;
        } catch (Exception closedBeforeTls) {
            return true;
        }
    }
}
