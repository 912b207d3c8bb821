package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** BLAKE3 against norc-vectors.json and the official BLAKE3 test_vectors.json (all 35 lengths). */
class Blake3Test {

    @TestFactory
    List<DynamicTest> norcVectors() {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode v : Vectors.norc("blake3")) {
            byte[] input = v.has("input_hex") ? Vectors.hex(v, "input_hex")
                    : v.get("input_utf8").asText().getBytes(StandardCharsets.UTF_8);
            String name = "norc blake3 #" + i++;
            if (v.has("keyed_hash")) {
                tests.add(DynamicTest.dynamicTest(name + " keyed", () -> assertThat(
                        Blake3.keyedHash(Vectors.hex(v, "key_hex"), input)).isEqualTo(Vectors.hex(v, "keyed_hash"))));
            } else {
                tests.add(DynamicTest.dynamicTest(name, () -> assertThat(Blake3.hash(input)).isEqualTo(Vectors.hex(v, "hash"))));
            }
        }
        assertThat(tests).hasSize(4);
        return tests;
    }

    @TestFactory
    List<DynamicTest> officialVectors() {
        JsonNode root = Vectors.load("blake3-test_vectors.json");
        byte[] key = root.get("key").asText().getBytes(StandardCharsets.US_ASCII);
        assertThat(key).hasSize(32);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            int len = c.get("input_len").asInt();
            byte[] input = officialInput(len);
            byte[] hash = Vectors.hex(c, "hash");
            byte[] keyed = Vectors.hex(c, "keyed_hash");
            assertThat(hash).hasSize(131);
            assertThat(keyed).hasSize(131);
            tests.add(DynamicTest.dynamicTest("input_len " + len + " hash (131-byte XOF)",
                    () -> assertThat(Blake3.xof(input, 131)).isEqualTo(hash)));
            tests.add(DynamicTest.dynamicTest("input_len " + len + " hash (32 bytes)", () -> {
                assertThat(Blake3.hash(input)).isEqualTo(Arrays.copyOf(hash, 32));
                byte[] padded = new byte[len + 7];
                System.arraycopy(input, 0, padded, 3, len);
                assertThat(Blake3.hash(padded, 3, len)).isEqualTo(Arrays.copyOf(hash, 32));
                int half = len / 2;
                assertThat(Blake3.hash(Arrays.copyOfRange(input, 0, half), Arrays.copyOfRange(input, half, len)))
                        .isEqualTo(Arrays.copyOf(hash, 32));
            }));
            tests.add(DynamicTest.dynamicTest("input_len " + len + " keyed_hash (131-byte XOF)",
                    () -> assertThat(Blake3.keyedXof(key, input, 131)).isEqualTo(keyed)));
            tests.add(DynamicTest.dynamicTest("input_len " + len + " keyed_hash (32 bytes)",
                    () -> assertThat(Blake3.keyedHash(key, input)).isEqualTo(Arrays.copyOf(keyed, 32))));
        }
        assertThat(tests).hasSize(35 * 4);
        return tests;
    }

    /** The official input: the byte pattern 0, 1, ..., 250 repeated, of length {@code len}. */
    private static byte[] officialInput(int len) {
        byte[] in = new byte[len];
        for (int i = 0; i < len; i++) {
            in[i] = (byte) (i % 251);
        }
        return in;
    }

    @Test
    void keyedAndUnkeyedCallsDoNotLeakStateIntoEachOther() {
        byte[] key = new byte[32];
        key[0] = 1;
        byte[] plain = Blake3.hash(new byte[] {1, 2, 3});
        byte[] keyed = Blake3.keyedHash(key, new byte[] {1, 2, 3});
        assertThat(keyed).isNotEqualTo(plain);
        assertThat(Blake3.hash(new byte[] {1, 2, 3})).isEqualTo(plain);
        assertThat(Blake3.keyedHash(key, new byte[] {1, 2, 3})).isEqualTo(keyed);
    }

    @Test
    void keyMustBe32Bytes() {
        assertThatThrownBy(() -> Blake3.keyedHash(new byte[31], new byte[0]))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }
}
