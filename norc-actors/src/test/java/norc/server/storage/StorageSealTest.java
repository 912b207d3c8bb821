package norc.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import norc.server.NorcConfig;
import norc.server.device.api.DeviceEvent;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage seal: ids become stable pseudonyms, and a sealed row opens only where it was written, under its key. */
class StorageSealTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final StorageSeal SEAL = StorageSeal.of(secret(1));

    @TempDir
    Path dir;

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private static byte[] secret(int fill) {
        byte[] secret = new byte[StorageSeal.SECRET_LENGTH];
        java.util.Arrays.fill(secret, (byte) fill);
        return secret;
    }

    @Test
    void persistenceIdsArePseudonymsStablePerSecret() {
        PersistenceId id = SEAL.persistenceId("User", "alice@a.example");
        assertThat(id.id()).startsWith("User|s").doesNotContain("alice").hasSize("User|".length() + 33);
        assertThat(SEAL.persistenceId("User", "alice@a.example")).isEqualTo(id);
        assertThat(SEAL.persistenceId("DeviceSession", "alice@a.example")).isNotEqualTo(id); // the type is part of it
        assertThat(StorageSeal.of(secret(2)).persistenceId("User", "alice@a.example")).isNotEqualTo(id);
        assertThat(StorageSeal.isPseudonym(id.id().substring("User|".length()))).isTrue();
        assertThat(StorageSeal.isPseudonym("alice@a.example")).isFalse();
        assertThat(StorageSeal.isPseudonym(UUID.randomUUID().toString())).isFalse();
    }

    @Test
    void aSealedValueOpensOnlyForItsRowAndKey() {
        byte[] plain = "bob@b.example".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = SEAL.seal(plain, "User|s1");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("bob");
        assertThat(SEAL.open(sealed, "User|s1")).isEqualTo(plain);
        assertThat(SEAL.seal(plain, "User|s1")).isNotEqualTo(sealed); // a fresh nonce each time

        assertThatThrownBy(() -> SEAL.open(sealed, "User|s2")).hasMessageContaining("integrity");
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 20] ^= 1;
        assertThatThrownBy(() -> SEAL.open(tampered, "User|s1")).hasMessageContaining("integrity");
        assertThatThrownBy(() -> StorageSeal.of(secret(2)).open(sealed, "User|s1"))
                .hasMessageContaining("sealed under storage key " + SEAL.keyId())
                .hasMessageContaining("norc.storage.key-file");
        assertThatThrownBy(() -> SEAL.open(new byte[] {1, 2, 3}, "User|s1")).hasMessageContaining("not a sealed value");
    }

    @Test
    void eventsRoundTripThroughTheirSerializerAndOldRowsReadAsTheyAre() {
        PersistenceId id = SEAL.persistenceId("DeviceSession", UUID.randomUUID().toString());
        SealedEvents<DeviceEvent> events = new SealedEvents<>(SEAL, KIT.system(), id, DeviceEvent.class);
        DeviceEvent claimed = new DeviceEvent.OwnerClaimed("carol@c.example");
        Object stored = events.toJournal(claimed);
        assertThat(stored).isInstanceOf(Sealed.class);
        assertThat(new String(((Sealed) stored).value(), StandardCharsets.ISO_8859_1)).doesNotContain("carol").doesNotContain("owner");
        assertThat(events.manifest(claimed)).isEmpty();
        assertThat(events.fromJournal(stored, "").events().head()).isEqualTo(claimed);
        assertThat(events.fromJournal(claimed, "").events().head()).isEqualTo(claimed); // written before sealing
    }

    @Test
    void theKeyFileIsCreatedOwnerOnlyAndReadBack() throws Exception {
        Path file = dir.resolve("storage").resolve("seal.key");
        StorageSeal first = StorageSeal.loadOrCreate(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(StorageSeal.loadOrCreate(file).keyId()).isEqualTo(first.keyId());
        Files.writeString(file, "not hex\n");
        assertThatThrownBy(() -> StorageSeal.loadOrCreate(file)).hasMessageContaining("norc.storage.key-file");
    }
}
