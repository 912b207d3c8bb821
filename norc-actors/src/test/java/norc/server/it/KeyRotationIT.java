package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.KeyResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups profile C against a real server, its overlap shortened to 4 s and its notice window
 * widened so that every session hears {@code key_expiry_notice}: a device rotates to a successor
 * id; during the overlap messages wrapped for both ids arrive on both; a second rotation of the
 * old device is {@code 3017}; at the old key's expiry its session closes, its {@code auth_request}
 * is {@code 1005}, it leaves {@code key_response}, and later messages reach the successor only.
 */
class KeyRotationIT {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;

    @Test
    void aRotatedDeviceOverlapsWithItsSuccessorThenExpires() throws Exception {
        try (TestServer server = TestServer.start(dir, "norc.device-keys.rotation-overlap = 4s\n"
                + "norc.device-keys.expiry-notice = 400d\n")) {
            String aliceId = "alice-rot@" + server.serverId();
            DeviceIdentity[] identity = new DeviceIdentity[1];
            RecordingListener oldHears = new RecordingListener();
            NorcClient old = server.registerNew("alice-rot", WireEncoding.BINARY, oldHears, identity);
            long registered = Instant.now().getEpochSecond();
            // key_response.expires_at is always set (registration + 180 d), and the notice says so
            Long noticed = oldHears.expiring.poll(10, TimeUnit.SECONDS);
            assertThat(noticed).isNotNull().isBetween(registered + 180L * 86400 - 5, registered + 180L * 86400 + 5);
            RecordingListener bobHears = new RecordingListener();
            NorcClient bob = server.registerNew("bob-rot", WireEncoding.JSON, bobHears, null);
            assertThat(bob.fetchKeys(List.of(aliceId)).get(20, TimeUnit.SECONDS).get(aliceId).get(identity[0].deviceId()).expiresAt())
                    .isEqualTo(noticed);

            DeviceIdentity successor = identity[0].successor(RANDOM);
            Map<UUID, KeyResponse.DeviceKey> devices = old.rotate(successor).get(20, TimeUnit.SECONDS);
            long rotated = Instant.now().getEpochSecond();
            assertThat(devices).containsOnlyKeys(identity[0].deviceId(), successor.deviceId());
            long oldExpiry = devices.get(identity[0].deviceId()).expiresAt();
            assertThat(oldExpiry).isBetween(rotated + 2, rotated + 5); // min(180 d, now + overlap)
            assertThat(devices.get(successor.deviceId()).expiresAt()).isGreaterThan(rotated + 179L * 86400);
            assertThat(devices.get(successor.deviceId()).publicKey()).isEqualTo(successor.signingPublicKey());
            assertThatThrownBy(() -> old.rotate(identity[0].successor(RANDOM)).get(20, TimeUnit.SECONDS)) // one rotation per overlap
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class)
                    .extracting(e -> ((NorcException) e).code()).isEqualTo(ErrorCode.ROTATION_REJECTED);

            // the successor authenticates; during the overlap a message is wrapped for both ids and both get it
            RecordingListener newHears = new RecordingListener();
            NorcClient fresh = server.connect(WireEncoding.BINARY, newHears);
            fresh.authenticate(successor).get(20, TimeUnit.SECONDS);
            UUID conversation = UUID.randomUUID();
            bob.fetchKeys(List.of(aliceId)).get(20, TimeUnit.SECONDS);
            bob.send(conversation, List.of(aliceId), "during".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(text(oldHears.messages.poll(20, TimeUnit.SECONDS))).isEqualTo("during");
            assertThat(text(newHears.messages.poll(20, TimeUnit.SECONDS))).isEqualTo("during");

            // at the old key's expiry its session ends, it cannot authenticate (1005), and it has no keys
            oldHears.closed.get(15, TimeUnit.SECONDS); // a normal close by the server, at the expiry
            assertThat(Instant.now().getEpochSecond()).isGreaterThanOrEqualTo(oldExpiry - 1);
            while (Instant.now().getEpochSecond() < oldExpiry) {
                Thread.sleep(200);
            }
            NorcClient again = server.connect(WireEncoding.BINARY, new RecordingListener());
            assertThatThrownBy(() -> again.authenticate(identity[0]).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class)
                    .extracting(e -> ((NorcException) e).code()).isEqualTo(ErrorCode.KEY_EXPIRED);
            assertThat(bob.fetchKeys(List.of(aliceId)).get(20, TimeUnit.SECONDS).get(aliceId)).containsOnlyKeys(successor.deviceId());
            bob.send(conversation, List.of(aliceId), "after".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(text(newHears.messages.poll(20, TimeUnit.SECONDS))).isEqualTo("after");
            fresh.close();
            bob.close();
        }
    }

    /**
     * Groups profile A.1's {@code max_devices_per_user} (made 2 here): one more registration is
     * {@code 1004}; after a rotation the predecessor in its overlap does not count, the successor does.
     */
    @Test
    void aUserHasAtMostItsDeviceLimit() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("limit"), "norc.device-keys.max-per-user = 2\n")) {
            DeviceIdentity[] first = new DeviceIdentity[1];
            NorcClient one = server.registerNew("dora-lim", WireEncoding.BINARY, new RecordingListener(), first);
            server.registerNew("dora-lim", WireEncoding.BINARY, new RecordingListener(), null).close();
            assertThatThrownBy(() -> server.registerNew("dora-lim", WireEncoding.BINARY, new RecordingListener(), null))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class)
                    .extracting(e -> ((NorcException) e).code()).isEqualTo(ErrorCode.REGISTRATION_REJECTED);
            one.rotate(first[0].successor(RANDOM)).get(20, TimeUnit.SECONDS); // the old key in its overlap: not counted
            assertThatThrownBy(() -> server.registerNew("dora-lim", WireEncoding.BINARY, new RecordingListener(), null))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class)
                    .extracting(e -> ((NorcException) e).code()).isEqualTo(ErrorCode.REGISTRATION_REJECTED);
            one.close();
        }
    }

    /** {@code norc devices rotate}: the identity file becomes the successor, the old one is kept beside it. */
    @Test
    void theCliRotatesAnIdentityFile() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("cli"), "")) {
            DeviceIdentity[] identity = new DeviceIdentity[1];
            server.registerNew("carol-rot", WireEncoding.BINARY, new RecordingListener(), identity).close();
            Path file = dir.resolve("carol.json");
            identity[0].save(file);
            String[] common = {"--identity", file.toString(), "--server", server.clientUri().toString(),
                    "--trust-cert", server.server.certificatePem().toString()};
            java.io.StringWriter out = new java.io.StringWriter();
            picocli.CommandLine cli = norc.client.cli.NorcCli.commandLine();
            cli.setOut(new java.io.PrintWriter(out, true));
            cli.setErr(new java.io.PrintWriter(out, true));
            assertThat(cli.execute(concat(new String[] {"devices", "rotate"}, common))).as(out.toString()).isZero();
            DeviceIdentity now = DeviceIdentity.load(file);
            DeviceIdentity kept = DeviceIdentity.load(dir.resolve("carol.json.rotated"));
            assertThat(kept.deviceId()).isEqualTo(identity[0].deviceId());
            assertThat(now.deviceId()).isNotEqualTo(identity[0].deviceId());
            assertThat(now.userId()).isEqualTo(identity[0].userId());
            assertThat(out.toString()).contains("rotated " + identity[0].deviceId() + " to " + now.deviceId());
            // the successor authenticates from the file, and both devices are listed during the overlap
            out.getBuffer().setLength(0);
            assertThat(cli.execute(concat(new String[] {"devices", "list"}, common))).as(out.toString()).isZero();
            assertThat(out.toString()).contains(now.deviceId() + "", identity[0].deviceId() + "", "(this device)", "expires ");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String text(ReceivedMessage message) {
        assertThat(message).isNotNull();
        return new String(message.content(), StandardCharsets.UTF_8);
    }
}
