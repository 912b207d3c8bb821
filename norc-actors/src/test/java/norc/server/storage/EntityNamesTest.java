package norc.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Entity names: stable, opaque, per type, reversible only under the storage key that made them. */
class EntityNamesTest {
    private static final EntityNames NAMES = StorageSeal.of(secret(1)).entityNames();

    private static byte[] secret(int fill) {
        byte[] secret = new byte[StorageSeal.SECRET_LENGTH];
        Arrays.fill(secret, (byte) fill);
        return secret;
    }

    @Test
    void theSameIdGetsTheSameNameOnEveryNodeAndTheEntityReadsItBack() {
        String name = NAMES.name("User", "alice@a.example");
        assertThat(StorageSeal.of(secret(1)).entityNames().name("User", "alice@a.example")).isEqualTo(name);
        assertThat(NAMES.clearId("User", name)).isEqualTo("alice@a.example");
        String device = NAMES.name("DeviceSession", "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b");
        assertThat(NAMES.clearId("DeviceSession", device)).isEqualTo("6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b");
    }

    @Test
    void aNameShowsNothingOfTheIdAndNeedsNoEscapingInAnActorPath() {
        String name = NAMES.name("User", "alice@a.example");
        assertThat(name).doesNotContain("alice").doesNotContain("a.example").matches("n[A-Za-z0-9_-]+");
        assertThat(URLEncoder.encode(name, StandardCharsets.UTF_8)).isEqualTo(name);
        assertThat(NAMES.name("User", "bob@a.example")).isNotEqualTo(name);
    }

    @Test
    void typesAndKeysAreSeparate() {
        String name = NAMES.name("User", "x");
        assertThat(NAMES.name("DeviceSession", "x")).isNotEqualTo(name);
        assertThatThrownBy(() -> NAMES.clearId("DeviceSession", name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StorageSeal.of(secret(2)).entityNames().clearId("User", name))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("norc.storage.key-file");
    }

    @Test
    void aClearIdOrGarbageIsNotAName() {
        for (String bad : new String[] {"alice@a.example", "n", "n!!", "nAAAA", "", "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"}) {
            assertThatThrownBy(() -> NAMES.clearId("User", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
