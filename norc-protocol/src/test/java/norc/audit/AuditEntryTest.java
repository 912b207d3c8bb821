package norc.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import norc.crypto.Bytes;
import org.junit.jupiter.api.Test;

/** The canonical entry of spec §6.18 as PROTOCOL.md §8 defines it: fixed bytes, one encoding per entry, strict decoding. */
class AuditEntryTest {

    @Test
    void theBytesAreTheDocumentedLayout() {
        AuditEntry entry = AuditEntry.of(2, 1_700_000_000_123L, "admin.action", Map.of("user", "u:00ff", "action", "user.created"));
        String expected = "01"                                   // format
                + "0000000000000002"                             // u64 sequence
                + "0000018bcfe5687b"                             // i64 timestamp
                + "0000000c" + Bytes.hex("admin.action".getBytes())
                + "00000002"                                     // two fields, keys in byte order
                + "00000006" + Bytes.hex("action".getBytes()) + "0000000c" + Bytes.hex("user.created".getBytes())
                + "00000004" + Bytes.hex("user".getBytes()) + "00000006" + Bytes.hex("u:00ff".getBytes());
        assertThat(Bytes.hex(entry.encode())).isEqualTo(expected);
    }

    @Test
    void theEncodingDoesNotDependOnTheOrderFieldsWereGivenIn() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            Map<String, String> forward = new LinkedHashMap<>();
            int n = random.nextInt(10);
            for (int i = 0; i < n; i++) {
                forward.put("k" + random.nextInt(1000), "v" + random.nextInt());
            }
            Map<String, String> reversed = new LinkedHashMap<>();
            forward.keySet().stream().sorted(java.util.Comparator.reverseOrder()).forEach(k -> reversed.put(k, forward.get(k)));
            byte[] a = AuditEntry.of(round + 1, random.nextLong(), "trust.decision", forward).encode();
            byte[] b = AuditEntry.of(round + 1, random.nextLong(0, 1), "trust.decision", reversed).encode();
            AuditEntry back = AuditEntry.decode(a);
            assertThat(back.encode()).as("seed %d", seed).isEqualTo(a);
            assertThat(back.fields()).as("seed %d", seed).isEqualTo(forward);
            if (a.length == b.length) { // same fields: only the timestamp may differ
                assertThat(java.util.Arrays.copyOfRange(a, 17, a.length)).as("seed %d", seed)
                        .isEqualTo(java.util.Arrays.copyOfRange(b, 17, b.length));
            }
        }
    }

    @Test
    void nonCanonicalBytesAreRefused() {
        byte[] good = AuditEntry.of(1, 5, "a", Map.of("b", "1", "c", "2")).encode();
        assertThat(AuditEntry.decode(good).fields()).containsExactly(Map.entry("b", "1"), Map.entry("c", "2"));

        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> AuditEntry.decode(trailing)).hasMessageContaining("trailing");
        assertThatThrownBy(() -> AuditEntry.decode(java.util.Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] otherFormat = good.clone();
        otherFormat[0] = 2;
        assertThatThrownBy(() -> AuditEntry.decode(otherFormat)).hasMessageContaining("format");
        // the same entry with its two fields swapped: same content, not the canonical order
        byte[] swapped = Bytes.concat(java.util.Arrays.copyOfRange(good, 0, 1 + 8 + 8 + 4 + 1 + 4),
                Bytes.unhex("00000001" + "63" + "00000001" + "32"), Bytes.unhex("00000001" + "62" + "00000001" + "31"));
        assertThatThrownBy(() -> AuditEntry.decode(swapped)).hasMessageContaining("order");
        byte[] badUtf8 = good.clone();
        badUtf8[badUtf8.length - 1] = (byte) 0xC3;
        assertThatThrownBy(() -> AuditEntry.decode(badUtf8)).hasMessageContaining("UTF-8");
        byte[] zeroSequence = good.clone();
        zeroSequence[8] = 0;
        assertThatThrownBy(() -> AuditEntry.decode(zeroSequence)).hasMessageContaining("starts at 1");
    }

    @Test
    void namesAndValuesAreChecked() {
        assertThatThrownBy(() -> AuditEntry.of(1, 0, "Auth Failed", Map.of())).hasMessageContaining("kind");
        assertThatThrownBy(() -> AuditEntry.of(1, 0, "a", Map.of("User", "x"))).hasMessageContaining("key");
        assertThatThrownBy(() -> AuditEntry.of(1, 0, "a", Map.of("k", "x".repeat(AuditEntry.MAX_VALUE_BYTES + 1))))
                .hasMessageContaining("longer");
        assertThatThrownBy(() -> AuditEntry.of(1, 0, "a", Map.of("k", "\uD800"))).hasMessageContaining("Unicode");
        assertThat(AuditEntry.of(1, 0, "a", Map.of("k", "grüße ✓")).fields()).containsEntry("k", "grüße ✓");
    }
}
