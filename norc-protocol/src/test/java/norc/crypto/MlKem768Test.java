package norc.crypto;

import static norc.crypto.AeadTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import norc.error.ErrorCode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** ML-KEM-768 against Wycheproof {@code mlkem_768_test} (decapsulation) and {@code mlkem_768_encaps_test}. */
class MlKem768Test {

    /**
     * Valid: the seed {@code d || z} yields the listed {@code ek}, and decapsulating {@code c} yields
     * {@code K} (including the implicit-rejection cases). Invalid (seed or ciphertext of a wrong
     * length): {@code INVALID_FIELD}.
     */
    @TestFactory
    List<DynamicTest> wycheproofDecapsulation() {
        List<Vectors.WycheproofCase> cases = Vectors.wycheproof("wycheproof-mlkem_768_test.json");
        List<DynamicTest> tests = new ArrayList<>();
        int valid = 0;
        int invalid = 0;
        for (Vectors.WycheproofCase c : cases) {
            assertThat(c.group().get("parameterSet").asText()).isEqualTo("ML-KEM-768");
            byte[] seed = c.bytes("seed");
            byte[] ct = c.bytes("c");
            byte[] k = c.bytes("K");
            switch (c.result()) {
                case "valid" -> {
                    valid++;
                    byte[] ek = c.bytes("ek");
                    tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                        MlKem768.KeyPair kp = MlKem768.fromSeed(seed);
                        assertThat(kp.encapsulationKey()).isEqualTo(ek);
                        assertThat(kp.decapsulationKey()).isEqualTo(seed);
                        assertThat(MlKem768.decapsulate(kp.decapsulationKey(), ct)).isEqualTo(k);
                    }));
                }
                case "invalid" -> {
                    invalid++;
                    assertThat(seed.length != MlKem768.DECAPSULATION_KEY_LENGTH || ct.length != MlKem768.CIPHERTEXT_LENGTH)
                            .as("an invalid case this API can express only as a wrong length: %s", c.name()).isTrue();
                    tests.add(DynamicTest.dynamicTest(c.name() + " -> INVALID_FIELD", () -> {
                        assertCode(() -> MlKem768.decapsulate(seed, ct), ErrorCode.INVALID_FIELD);
                        if (seed.length != MlKem768.DECAPSULATION_KEY_LENGTH) {
                            assertCode(() -> MlKem768.fromSeed(seed), ErrorCode.INVALID_FIELD);
                        }
                    }));
                }
                default -> throw new IllegalStateException("unexpected result in " + c.name());
            }
        }
        assertThat(cases).hasSize(193);
        assertThat(valid).isEqualTo(153);
        assertThat(invalid).isEqualTo(40);
        return tests;
    }

    /**
     * Valid: with the listed {@code m} as randomness, encapsulation yields {@code c} and {@code K}.
     * Invalid (modulus overflow, wrong length): {@code WEAK_KEY} before any randomness is drawn.
     */
    @TestFactory
    List<DynamicTest> wycheproofEncapsulation() {
        List<Vectors.WycheproofCase> cases = Vectors.wycheproof("wycheproof-mlkem_768_encaps_test.json");
        List<DynamicTest> tests = new ArrayList<>();
        int valid = 0;
        int invalid = 0;
        int modulus = 0;
        for (Vectors.WycheproofCase c : cases) {
            assertThat(c.group().get("parameterSet").asText()).isEqualTo("ML-KEM-768");
            byte[] ek = c.bytes("ek");
            byte[] m = c.bytes("m");
            switch (c.result()) {
                case "valid" -> {
                    valid++;
                    byte[] ct = c.bytes("c");
                    byte[] k = c.bytes("K");
                    tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                        assertThat(MlKem768.isValidEncapsulationKey(ek)).isTrue();
                        FixedRandom random = new FixedRandom(m);
                        MlKem768.Encapsulation e = MlKem768.encapsulate(ek, random);
                        assertThat(random.exhausted()).as("m consumed").isTrue();
                        assertThat(e.ciphertext()).isEqualTo(ct);
                        assertThat(e.sharedSecret()).isEqualTo(k);
                    }));
                }
                case "invalid" -> {
                    invalid++;
                    if (ek.length == MlKem768.ENCAPSULATION_KEY_LENGTH) {
                        modulus++;
                    }
                    tests.add(DynamicTest.dynamicTest(c.name() + " -> WEAK_KEY", () -> {
                        assertThat(MlKem768.isValidEncapsulationKey(ek)).isFalse();
                        FixedRandom random = new FixedRandom(m);
                        assertCode(() -> MlKem768.encapsulate(ek, random), ErrorCode.WEAK_KEY);
                        assertThat(random.exhausted()).as("no randomness drawn").isFalse();
                    }));
                }
                default -> throw new IllegalStateException("unexpected result in " + c.name());
            }
        }
        assertThat(cases).hasSize(265);
        assertThat(valid).isEqualTo(133);
        assertThat(invalid).isEqualTo(132);
        assertThat(modulus).as("modulus-overflow cases").isEqualTo(112);
        return tests;
    }

    @Test
    void generatedKeysRoundTrip() {
        SecureRandom rnd = new SecureRandom();
        MlKem768.KeyPair kp = MlKem768.generate(rnd);
        assertThat(kp.encapsulationKey()).hasSize(MlKem768.ENCAPSULATION_KEY_LENGTH);
        assertThat(kp.decapsulationKey()).hasSize(MlKem768.DECAPSULATION_KEY_LENGTH);
        assertThat(MlKem768.fromSeed(kp.decapsulationKey()).encapsulationKey()).isEqualTo(kp.encapsulationKey());
        MlKem768.Encapsulation e = MlKem768.encapsulate(kp.encapsulationKey(), rnd);
        assertThat(e.ciphertext()).hasSize(MlKem768.CIPHERTEXT_LENGTH);
        assertThat(e.sharedSecret()).hasSize(MlKem768.SHARED_SECRET_LENGTH);
        assertThat(MlKem768.decapsulate(kp.decapsulationKey(), e.ciphertext())).isEqualTo(e.sharedSecret());
        byte[] flipped = e.ciphertext().clone();
        flipped[100] ^= 1;
        assertThat(MlKem768.decapsulate(kp.decapsulationKey(), flipped)).isNotEqualTo(e.sharedSecret()).hasSize(32);
        assertThat(kp.toString()).doesNotContain(Bytes.hex(kp.decapsulationKey()));
    }

    @Test
    void lengthsAndNulls() {
        MlKem768.KeyPair kp = MlKem768.fromSeed(new byte[64]);
        assertCode(() -> MlKem768.decapsulate(kp.decapsulationKey(), new byte[1087]), ErrorCode.INVALID_FIELD);
        assertCode(() -> MlKem768.decapsulate(new byte[2400], new byte[1088]), ErrorCode.INVALID_FIELD);
        assertCode(() -> MlKem768.decapsulate(null, new byte[1088]), ErrorCode.INVALID_FIELD);
        assertCode(() -> MlKem768.encapsulate(new byte[1183], new SecureRandom()), ErrorCode.WEAK_KEY);
        assertCode(() -> MlKem768.encapsulate(null, new SecureRandom()), ErrorCode.WEAK_KEY);
        byte[] overflow = kp.encapsulationKey().clone();
        overflow[0] = (byte) 0xff;
        overflow[1] = (byte) 0x0f; // first coefficient 0xfff >= 3329
        assertThat(MlKem768.isValidEncapsulationKey(overflow)).isFalse();
        assertCode(() -> MlKem768.encapsulate(overflow, new SecureRandom()), ErrorCode.WEAK_KEY);
    }
}
