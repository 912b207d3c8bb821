package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Two SDK devices over real TLS exchange end-to-end encrypted messages both ways, on both subprotocols. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessagingIT {
    @TempDir
    static Path dir;
    TestServer server;

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void twoDevicesExchangeMessagesBothWays(WireEncoding encoding) throws Exception {
        String tag = encoding.name().toLowerCase();
        RecordingListener aliceHears = new RecordingListener();
        RecordingListener bobHears = new RecordingListener();
        NorcClient alice = server.registerNew("alice-" + tag, encoding, aliceHears, null);
        NorcClient bob = server.registerNew("bob-" + tag, encoding, bobHears, null);
        String aliceId = "alice-" + tag + "@" + server.serverId();
        String bobId = "bob-" + tag + "@" + server.serverId();
        UUID conversation = UUID.randomUUID();

        alice.send(conversation, List.of(bobId), "hello bob".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        ReceivedMessage atBob = bobHears.messages.poll(20, TimeUnit.SECONDS);
        assertThat(atBob).isNotNull();
        assertThat(new String(atBob.content(), StandardCharsets.UTF_8)).isEqualTo("hello bob");
        assertThat(atBob.senderUserId()).isEqualTo(aliceId);

        bob.send(conversation, List.of(aliceId), "hello alice".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        ReceivedMessage atAlice = aliceHears.messages.poll(20, TimeUnit.SECONDS);
        assertThat(atAlice).isNotNull();
        assertThat(new String(atAlice.content(), StandardCharsets.UTF_8)).isEqualTo("hello alice");
        assertThat(atAlice.senderUserId()).isEqualTo(bobId);
        alice.close();
        bob.close();
    }
}
