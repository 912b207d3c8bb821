package norc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import norc.crypto.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading device identities: round trip, owner-only permissions, refusal of bad files. */
class DeviceIdentityTest {
    static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void aSavedIdentityLoadsBackIdentically() throws IOException {
        byte[] serverKey = Ed25519.generate(RANDOM).publicKey();
        DeviceIdentity original = DeviceIdentity.create("alice@example", "laptop", RANDOM)
                .withKnownServer("wss://localhost:8443/norc-c", serverKey);
        Path file = dir.resolve("alice.json");
        original.save(file);

        DeviceIdentity loaded = DeviceIdentity.load(file);
        assertThat(loaded.userId()).isEqualTo("alice@example");
        assertThat(loaded.deviceId()).isEqualTo(original.deviceId());
        assertThat(loaded.signingPublicKey()).isEqualTo(original.signingPublicKey());
        assertThat(loaded.kexPublicKey()).isEqualTo(original.kexPublicKey());
        assertThat(loaded.signingSecretKey()).isEqualTo(original.signingSecretKey());
        assertThat(loaded.kexSecretKey()).isEqualTo(original.kexSecretKey());
        assertThat(loaded.deviceInfo()).isEqualTo(original.deviceInfo());
        assertThat(loaded.knownServerKey("wss://localhost:8443/norc-c")).isEqualTo(serverKey);
        assertThat(loaded.knownServerKey("wss://elsewhere/norc-c")).isNull();
    }

    @Test
    void theFileIsReadableByItsOwnerOnlyAlsoAfterOverwriting() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path file = dir.resolve("alice.json");
        DeviceIdentity identity = DeviceIdentity.create("alice@example", "laptop", RANDOM);
        identity.save(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(DeviceIdentity.hasOwnerOnlyPermissions(file)).isTrue();

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(DeviceIdentity.hasOwnerOnlyPermissions(file)).isFalse();
        identity.withKnownServer("wss://a/norc-c", new byte[32]).save(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void toStringNamesNeitherKeysNorUser() {
        DeviceIdentity identity = DeviceIdentity.create("alice@example", "laptop", RANDOM);
        String shown = identity.toString();
        assertThat(shown).contains(identity.deviceId().toString()).doesNotContain("alice");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        assertThat(shown).doesNotContain(b64.encodeToString(identity.signingSecretKey()).substring(0, 8));
    }

    @Test
    void aPublicKeyThatDoesNotMatchItsSecretIsRefused() throws IOException {
        Path file = dir.resolve("alice.json");
        DeviceIdentity.create("alice@example", "laptop", RANDOM).save(file);
        String json = Files.readString(file);
        String otherKey = Base64.getUrlEncoder().withoutPadding().encodeToString(Ed25519.generate(RANDOM).publicKey());
        String forged = json.replaceFirst("\"signing_public_key\" : \"[^\"]+\"", "\"signing_public_key\" : \"" + otherKey + "\"");
        assertThat(forged).isNotEqualTo(json);
        Files.writeString(file, forged);
        assertThatThrownBy(() -> DeviceIdentity.load(file)).isInstanceOf(IOException.class)
                .hasMessageNotContaining(otherKey);
    }

    @Test
    void garbageIsNotAnIdentity() throws IOException {
        Path file = dir.resolve("x.json");
        Files.write(file, "{\"format\":\"something else\"}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> DeviceIdentity.load(file)).isInstanceOf(IOException.class);
        Files.write(file, "not json".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> DeviceIdentity.load(file)).isInstanceOf(IOException.class);
    }

    @Test
    void userIdsAndDeviceDescriptionsAreChecked() {
        assertThatThrownBy(() -> DeviceIdentity.create("alice", "x", RANDOM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceIdentity.create("a@b@c", "x", RANDOM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceIdentity.create("al ice@example", "x", RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceIdentity.create("alice@example", "", RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
