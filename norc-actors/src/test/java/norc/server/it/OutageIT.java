package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import norc.error.ErrorCode;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.AuthResponse;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal outage is an outage to the client, never a refusal (hardening issue): with the
 * database away, authentication and registration answer {@code 9002} with {@code retry_after}
 * (and the admin API 503 with {@code Retry-After})
 * within seconds instead of {@code 1001} / {@code 1004}, and service resumes by itself when the
 * database returns. The database is H2 served over TCP, so the test can take it away.
 */
class OutageIT {
    @TempDir
    Path dir;

    @Test
    void authenticationAndRegistrationAnswer9002WhileTheJournalIsAway() throws Exception {
        TcpDatabase database = TcpDatabase.start(dir.resolve("h2"));
        String config = database.config() + ", norc.client.pre-auth-timeout = 30s";
        RawClient alice;
        String bobToken;
        try (TestServer first = TestServer.start(dir.resolve("node"), config)) {
            alice = RawClient.registered(first, "alice@" + first.serverId());
            alice.close();
            bobToken = first.createUserWithToken("bob@" + first.serverId());
        }
        // a fresh node: nothing in memory, every entity must be read from the journal
        try (TestServer server = TestServer.start(dir.resolve("node"), config)) {
            database.stop();
            // the operator API: a sound request that the journal cannot serve now is 503, retry later
            java.net.http.HttpResponse<String> created = server.post("/admin/users", "{\"user_id\":\"carol@" + server.serverId() + "\"}");
            assertThat(created.statusCode()).isEqualTo(503);
            assertThat(created.headers().firstValue("Retry-After")).contains("5");


            RawClient auth = RawClient.handshaken(server, WireEncoding.BINARY);
            auth.send(auth.auth("alice@" + server.serverId(), alice.deviceId, alice.signing.secretKey(), RawClient.nowMicros()));
            assertOutage(auth.receive(Duration.ofSeconds(15)));

            RawClient register = RawClient.handshaken(server, WireEncoding.BINARY);
            register.send(register.register("bob@" + server.serverId(), bobToken));
            assertOutage(register.receive(Duration.ofSeconds(15)));


            database.restart();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                auth.send(auth.auth("alice@" + server.serverId(), alice.deviceId, alice.signing.secretKey(), RawClient.nowMicros()));
                NorcMessage answer = auth.receive(Duration.ofSeconds(10));
                assertThat(answer).isInstanceOf(AuthResponse.class);
                assertThat(((AuthResponse) answer).status()).isEqualTo(AuthStatus.AUTHENTICATED);
            });
            // the console's tree counts the user entity's restarts by its supervisor while the journal was away
            com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(server.get("/admin/tree").body());
            long userRestarts = 0;
            for (com.fasterxml.jackson.databind.JsonNode region : tree.path("sharding")) {
                if (region.path("type").asText().equals("User")) {
                    userRestarts = region.path("restarts").asLong();
                }
            }
            assertThat(userRestarts).as("User entity restarts during the outage").isPositive();
            assertThat(tree.path("restarts").findValuesAsText("path")).anyMatch(p -> p.startsWith("/system/sharding/User/"));
            auth.close();
            register.close();
        } finally {
            database.close();
        }
    }

    private static void assertOutage(NorcMessage answer) {
        assertThat(answer).as("an answer within the timeout").isInstanceOf(ErrorMessage.class);
        ErrorMessage error = (ErrorMessage) answer;
        assertThat(error.errorCode()).as("not 1001/1004: the journal is away").isEqualTo(ErrorCode.UNAVAILABLE.code());
        assertThat(error.retryAfter()).hasValueSatisfying(seconds -> assertThat(seconds).isPositive());
    }
}
