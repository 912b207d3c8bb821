package norc.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Audit pseudonyms: HMAC-SHA256 as documented, stable under one secret, different under another; the secret file. */
class PseudonymsTest {
    @TempDir
    Path dir;

    private static byte[] secret(int fill) {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) fill);
        return secret;
    }

    @Test
    void aPseudonymIsTheTruncatedHmacOfTheId() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret(7), "HmacSHA256"));
        byte[] full = mac.doFinal("user:alice@localhost".getBytes(StandardCharsets.UTF_8));
        String expected = "u:" + HexFormat.of().formatHex(full, 0, 16);
        assertThat(Pseudonyms.of(secret(7)).user("alice@localhost")).isEqualTo(expected).hasSize(2 + 32)
                .matches("u:[0-9a-f]{32}");
        UUID device = UUID.fromString("00000000-0000-4000-8000-00000000000a");
        assertThat(Pseudonyms.of(secret(7)).device(device)).matches("d:[0-9a-f]{32}");
        assertThat(Pseudonyms.of(secret(7)).conversation(device)).matches("c:[0-9a-f]{32}")
                .isNotEqualTo("c:" + Pseudonyms.of(secret(7)).device(device).substring(2)); // domains are separated
    }

    @Test
    void stableUnderOneSecretDifferentUnderAnother() {
        Pseudonyms one = Pseudonyms.of(secret(1));
        assertThat(one.user("bob@localhost")).isEqualTo(Pseudonyms.of(secret(1)).user("bob@localhost"));
        assertThat(one.user("bob@localhost")).isNotEqualTo(one.user("bob2@localhost"));
        assertThat(one.user("bob@localhost")).isNotEqualTo(Pseudonyms.of(secret(2)).user("bob@localhost"));
        UUID device = UUID.randomUUID();
        assertThat(one.device(device)).isEqualTo(one.of("device", device.toString()))
                .isNotEqualTo(Pseudonyms.of(secret(2)).device(device));
    }

    @Test
    void theSecretFileIsCreatedOwnerOnlyOnceAndReadBack() throws Exception {
        Path file = dir.resolve("audit").resolve("pseudonym.key");
        String first = Pseudonyms.loadOrCreate(file).user("carol@localhost");
        assertThat(Files.readString(file).strip()).matches("[0-9a-f]{64}");
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing).containsExactly(file); // no temporary file left behind
        }
        assertThat(Pseudonyms.loadOrCreate(file).user("carol@localhost")).isEqualTo(first);
        assertThat(Pseudonyms.loadOrCreate(dir.resolve("other.key")).user("carol@localhost")).isNotEqualTo(first);

        Files.writeString(file, "not hex\n");
        assertThatThrownBy(() -> Pseudonyms.loadOrCreate(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("norc.audit.secret-file");
        assertThat(Pseudonyms.loadOrCreate(dir.resolve("x.key")).toString()).doesNotContainPattern("[0-9a-f]{16}");
    }
}
