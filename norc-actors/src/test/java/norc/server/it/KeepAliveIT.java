package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import norc.client.NorcClient;
import norc.client.TransportSecurity;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Profile §2: the server pings; a connection whose peer sends nothing at all, not even a pong, for
 * {@code idle-timeout} is closed, and a quiet client that answers pings is not. Shortened here to
 * a 1 s ping interval and a 3 s idle timeout (the defaults are 30 s and 90 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeepAliveIT {
    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.client { ping-interval = 1s, idle-timeout = 3s, pre-auth-timeout = 60s }");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void aQuietClientThatAnswersPingsStaysConnected() throws Exception {
        RecordingListener hears = new RecordingListener();
        NorcClient client = server.registerNew("quiet", WireEncoding.BINARY, hears, null);
        assertThat(hears.closed.completeOnTimeout(null, 7, TimeUnit.SECONDS).get()).isNull();
        assertThat(client.state()).isEqualTo(NorcClient.State.AUTHENTICATED);
        client.timeSync().get(10, TimeUnit.SECONDS); // and it still works
        client.close();
    }

    @Test
    void aPeerThatNeverAnswersIsClosedAfterTheIdleTimeout() throws Exception {
        try (SSLSocket socket = (SSLSocket) TransportSecurity.trustCertificate(server.server.certificatePem(), new char[0])
                .getSocketFactory().createSocket("localhost", server.server.clientPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /norc-c HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: norc-c-v1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            StringBuilder head = new StringBuilder();
            try {
                int b;
                while ((b = in.read()) != -1) { // the 101 answer, then pings we never answer, then the end
                    if (head.length() < 12) {
                        head.append((char) b);
                    }
                }
            } catch (java.net.SocketException reset) {
                // the server aborts the idle TCP connection: a reset is the end as well
            }
            Duration open = Duration.ofNanos(System.nanoTime() - start);
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            assertThat(open).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(10));
        }
    }
}
