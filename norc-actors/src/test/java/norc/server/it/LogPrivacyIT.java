package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.message.Atoms.RevocationReason;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §6.3 and §6.18 over the whole suite: every test class of this module runs with the server's
 * logging at DEBUG and Pekko's debug switches on (surefire's {@code systemPropertyVariables},
 * {@code logback-test.xml}), every line going to {@code target/log-scan/debug.log}. Ordered last
 * ({@code junit-platform.properties}), this test adds traffic of its own (register, send, receive,
 * presence, keys, time, refused authentication and registration, a send to nobody, revocation)
 * and then scans every server line of the file for user ids, device, conversation and message ids
 * (all UUIDs) and this traffic's contents: zero hits. Run alone it checks its own traffic.
 */
@Order(Integer.MAX_VALUE)
class LogPrivacyIT {
    private static final Path LOG = Path.of(System.getProperty("norc.logscan.file", "target/log-scan/debug.log"));

    @TempDir
    static Path dir;

    @Test
    void noLogLineOfTheSuiteNamesAUserADeviceAConversationOrContent() throws Exception {
        List<String> literals = new ArrayList<>();
        try (TestServer server = TestServer.start(dir)) {
            traffic(server, literals);
        }
        assertThat(LOG).as("the suite's DEBUG log").exists();
        List<String> lines = Files.readAllLines(LOG, StandardCharsets.UTF_8);
        assertThat(lines).as("DEBUG reached the file, actor paths of entities with it")
                .anyMatch(l -> l.contains(" DEBUG org.apache.pekko.cluster.sharding.Shard ") && l.contains("Started entity"))
                .anyMatch(l -> l.contains(" DEBUG org.apache.pekko.persistence.typed.") && l.contains("/sharding/DeviceSession/"));
        LogScan.Result result = LogScan.scan(lines, literals);
        assertThat(result.serverLines()).as("server lines scanned").isGreaterThan(1000);
        assertThat(result.findings()).as("log lines that name someone or something (of %d server lines)", result.serverLines())
                .isEmpty();
    }

    private static void traffic(TestServer server, List<String> literals) throws Exception {
        String tag = Long.toHexString(TestServer.RANDOM.nextLong());
        String alice = "logscan-alice-" + tag + "@" + server.serverId();
        String bob = "logscan-bob-" + tag + "@" + server.serverId();
        DeviceIdentity[] aliceDevice = new DeviceIdentity[1];
        DeviceIdentity[] bobDevice = new DeviceIdentity[1];
        RecordingListener bobHears = new RecordingListener();
        NorcClient a = server.registerNew("logscan-alice-" + tag, WireEncoding.BINARY, new RecordingListener(), aliceDevice);
        NorcClient b = server.registerNew("logscan-bob-" + tag, WireEncoding.JSON, bobHears, bobDevice);
        UUID conversation = UUID.randomUUID();
        literals.addAll(List.of(alice, bob, aliceDevice[0].deviceId().toString(), bobDevice[0].deviceId().toString(),
                conversation.toString(), "logscan-alice-" + tag, "logscan-bob-" + tag));
        for (int i = 0; i < 3; i++) {
            String content = "log-scan-content-" + tag + "-" + i;
            literals.add(content);
            a.send(conversation, List.of(bob), content.getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(bobHears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
        }
        a.presence(PresenceStatus.AWAY, "log-scan-status-" + tag).get(10, TimeUnit.SECONDS);
        literals.add("log-scan-status-" + tag);
        assertThat(a.fetchKeys(List.of(bob)).get(10, TimeUnit.SECONDS)).containsKey(bob);
        a.timeSync().get(10, TimeUnit.SECONDS);
        String nobody = "logscan-nobody-" + tag + "@" + server.serverId();
        literals.add(nobody);
        assertThatThrownBy(() -> a.send(UUID.randomUUID(), List.of(nobody), new byte[] {1}).get(20, TimeUnit.SECONDS));

        // refused: an unknown user's device, and a registration with a made-up token
        DeviceIdentity stranger = DeviceIdentity.create(nobody, "log-scan", TestServer.RANDOM);
        literals.add(stranger.deviceId().toString());
        try (NorcClient c = server.connect(WireEncoding.BINARY, new RecordingListener())) {
            assertThatThrownBy(() -> c.authenticate(stranger).get(20, TimeUnit.SECONDS));
        }
        try (NorcClient c = server.connect(WireEncoding.BINARY, new RecordingListener())) {
            assertThatThrownBy(() -> c.register(stranger, "log-scan-token-" + tag).get(20, TimeUnit.SECONDS));
        }
        literals.add("log-scan-token-" + tag);

        // a second device of alice's, revoked by the first
        DeviceIdentity second = DeviceIdentity.create(alice, "log-scan-2", TestServer.RANDOM);
        literals.add(second.deviceId().toString());
        try (NorcClient c = server.connect(WireEncoding.BINARY, new RecordingListener())) {
            c.register(second, server.token(alice)).get(20, TimeUnit.SECONDS);
        }
        a.revokeDevice(second.deviceId(), RevocationReason.LOST).get(20, TimeUnit.SECONDS);
        a.close();
        b.close();
    }
}
