package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin client against a real HTTP server on loopback: a 503 is asked again after its Retry-After; other failures are not. */
class AdminApiTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private AdminApi answering(AtomicInteger asked, int... statuses) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/admin/users", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int n = asked.getAndIncrement();
            int status = statuses[Math.min(n, statuses.length - 1)];
            if (status == 503) {
                exchange.getResponseHeaders().add("Retry-After", "1");
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return new AdminApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(5), "t");
    }

    @Test
    void aLoadedServersAnswerIsAskedAgainUntilItSucceeds() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AdminApi api = answering(asked, 503, 503, 201);
        long started = System.nanoTime();
        api.createUser("u1@localhost").get(30, TimeUnit.SECONDS);
        assertThat(asked.get()).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for each Retry-After").isGreaterThan(Duration.ofSeconds(2));
    }

    @Test
    void anyOtherFailureIsNotAskedAgain() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AdminApi api = answering(asked, 500, 201);
        assertThatThrownBy(() -> api.createUser("u2@localhost").get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(AdminApi.AdminFailure.class);
        assertThat(asked.get()).isEqualTo(1);
    }
}
