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

/** HKDF-BLAKE3 (wire profile §3) against norc-vectors.json {@code hkdf_blake3}. */
class HkdfBlake3Test {

    @TestFactory
    List<DynamicTest> norcVectors() {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode v : Vectors.norc("hkdf_blake3")) {
            byte[] salt = Vectors.hex(v, "salt_hex");
            byte[] ikm = Vectors.hex(v, "ikm_hex");
            byte[] info = v.get("info_utf8").asText().getBytes(StandardCharsets.UTF_8);
            int length = v.get("L").asInt();
            byte[] prk = Vectors.hex(v, "prk");
            byte[] okm = Vectors.hex(v, "okm");
            String name = "hkdf_blake3 #" + i++ + " salt " + salt.length + " bytes, L " + length;
            tests.add(DynamicTest.dynamicTest(name + " prk", () -> assertThat(HkdfBlake3.extract(salt, ikm)).isEqualTo(prk)));
            tests.add(DynamicTest.dynamicTest(name + " okm", () -> {
                assertThat(HkdfBlake3.expand(prk, info, length)).isEqualTo(okm);
                assertThat(HkdfBlake3.derive(salt, ikm, info, length)).isEqualTo(okm);
                assertThat(HkdfBlake3.derive(salt, ikm, HkdfBlake3.info(v.get("info_utf8").asText()), length)).isEqualTo(okm);
            }));
        }
        assertThat(tests).hasSize(6);
        return tests;
    }

    @Test
    void extractKeysWithTheSaltAsTheProfileSays() {
        byte[] ikm = Bytes.unhex("0b0b0b0b");
        byte[] salt32 = new byte[32];
        Arrays.fill(salt32, (byte) 7);
        byte[] salt13 = new byte[13];
        assertThat(HkdfBlake3.extract(salt32, ikm)).isEqualTo(Blake3.keyedHash(salt32, ikm));
        assertThat(HkdfBlake3.extract(new byte[0], ikm)).isEqualTo(Blake3.keyedHash(new byte[32], ikm));
        assertThat(HkdfBlake3.extract(salt13, ikm)).isEqualTo(Blake3.keyedHash(Blake3.hash(salt13), ikm));
    }

    @Test
    void expandIsAPrefixFamilyAndFollowsTheDefinition() {
        byte[] prk = Blake3.hash("prk".getBytes(StandardCharsets.US_ASCII));
        byte[] info = HkdfBlake3.info("norc:test:v1");
        byte[] t1 = Blake3.keyedHash(prk, info, new byte[] {1});
        byte[] t2 = Blake3.keyedHash(prk, t1, info, new byte[] {2});
        assertThat(HkdfBlake3.expand(prk, info, 64)).isEqualTo(Bytes.concat(t1, t2));
        assertThat(HkdfBlake3.expand(prk, info, 33)).isEqualTo(Arrays.copyOf(Bytes.concat(t1, t2), 33));
        assertThat(HkdfBlake3.expand(prk, info, 0)).isEmpty();
        byte[] max = HkdfBlake3.expand(prk, info, HkdfBlake3.MAX_LENGTH);
        assertThat(max).hasSize(255 * 32);
        assertThat(Arrays.copyOf(max, 64)).isEqualTo(Bytes.concat(t1, t2));
    }

    @Test
    void lengthAbove255BlocksIsRejected() {
        byte[] prk = new byte[32];
        assertThatThrownBy(() -> HkdfBlake3.expand(prk, new byte[0], 255 * 32 + 1))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> HkdfBlake3.derive(new byte[0], prk, new byte[0], -1))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> HkdfBlake3.expand(new byte[16], new byte[0], 32))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    @Test
    void infoConcatenatesTheLabelAndTheRest() {
        assertThat(HkdfBlake3.info("norc:ms:v1", Bytes.unhex("0102"), new byte[0], Bytes.unhex("03")))
                .isEqualTo(Bytes.concat("norc:ms:v1".getBytes(StandardCharsets.US_ASCII), Bytes.unhex("010203")));
        assertThatThrownBy(() -> HkdfBlake3.info("ms:v1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HkdfBlake3.info("norc:é")).isInstanceOf(IllegalArgumentException.class);
    }
}
