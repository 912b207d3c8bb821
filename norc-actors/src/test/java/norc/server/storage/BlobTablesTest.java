package norc.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.persistence.JournalDatabase;
import norc.server.files.ChunkStore;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tables beside the journal on a real H2 file: a group message's ciphertext stored once (the
 * first of two writes kept) and made whole again byte for byte in every copy; expired bodies and
 * the chunks of expired files swept, everything unexpired kept, a sealed file's chunks outliving
 * its upload's expiry.
 */
class BlobTablesTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;
    private BlobTables tables;

    @BeforeEach
    void open() {
        tables = BlobTables.open(JournalDatabase.of("jdbc:h2:file:" + dir.resolve("journal") + ";DB_CLOSE_DELAY=-1", "sa", ""), 2,
                Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        tables.close();
    }

    @Test
    void aStrippedCopySplicedWithItsBodyIsTheWholeCopyByteForByte() {
        byte[] ciphertext = new byte[70_000];
        RANDOM.nextBytes(ciphertext);
        byte[] wrapped = new byte[48];
        RANDOM.nextBytes(wrapped);
        UUID device = UUID.randomUUID();
        MessageSend copy = new MessageSend(UUID.randomUUID(), UUID.randomUUID(), List.of(),
                new MessageSend.Metadata(1_700_000_000_000_000L, "text", Classification.UNCLASSIFIED), 17, new byte[32], ciphertext,
                Map.of(device, new MessageSend.WrappedKey(new byte[32], wrapped)), new byte[64], Optional.of("alice@example.org"),
                Optional.of(UUID.randomUUID()));
        byte[] whole = WireEncoding.BINARY.codec(WireLimits.DEFAULT).encodePayload(copy);

        SharedCiphertext.Stripped stripped = SharedCiphertext.strip(copy);
        assertThat(stripped.payload()).hasSize(whole.length - ciphertext.length);
        assertThat(stripped.at()).isEqualTo(SharedCiphertext.at(copy));
        assertThat(SharedCiphertext.splice(stripped.payload(), stripped.at(), ciphertext)).isEqualTo(whole);
        MessageSend back = (MessageSend) WireEncoding.BINARY.codec(WireLimits.DEFAULT)
                .decodePayload(MessageType.MESSAGE_SEND, stripped.payload(), 0, stripped.payload().length);
        assertThat(back.ciphertext()).isEmpty();
    }

    @Test
    void aBodyIsStoredOnceAndExpiredBodiesAreSwept() {
        MessageBodies bodies = MessageBodies.open(tables);
        long now = System.currentTimeMillis();
        bodies.put("kept", new byte[] {1}, now + 60_000).join();
        bodies.put("kept", new byte[] {2}, now + 60_000).join(); // a resend: the first stays
        bodies.put("old", new byte[] {3}, now - 60_000).join();
        assertThat(bodies.get(Set.of("kept", "old", "never")).join()).containsOnlyKeys("kept", "old");
        assertThat(bodies.get(Set.of("kept")).join().get("kept")).containsExactly(1);

        assertThat(bodies.sweep(now).join()).isEqualTo(1);
        assertThat(bodies.get(Set.of("kept", "old")).join()).containsOnlyKeys("kept");
        assertThat(MessageBodies.open(tables).get(Set.of("kept")).join()).containsOnlyKeys("kept"); // reopening keeps the table
    }

    @Test
    void theChunksOfExpiredFilesAreSweptAndASealedFileOutlivesItsUpload() {
        ChunkStore chunks = ChunkStore.open(tables);
        long now = System.currentTimeMillis();
        chunks.put("abandoned", 0, new byte[] {1}, now - 120_000).join();
        chunks.put("abandoned", 1, new byte[] {2}, now - 60_000).join();
        chunks.put("uploading", 0, new byte[] {3}, now - 60_000).join(); // its first chunk's time is past...
        chunks.put("uploading", 1, new byte[] {4}, now + 60_000).join(); // ...but the upload goes on
        chunks.put("sealed", 0, new byte[] {5}, now - 60_000).join();
        chunks.extend("sealed", now + 60_000).join();

        assertThat(chunks.sweep(now).join()).isEqualTo(2);
        assertThat(chunks.get("abandoned", 0).join()).isEmpty();
        assertThat(chunks.get("abandoned", 1).join()).isEmpty();
        assertThat(chunks.get("uploading", 0).join()).hasValueSatisfying(b -> assertThat(b).containsExactly(3));
        assertThat(chunks.get("sealed", 0).join()).hasValueSatisfying(b -> assertThat(b).containsExactly(5));
    }
}
