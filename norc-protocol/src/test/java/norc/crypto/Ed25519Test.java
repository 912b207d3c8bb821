package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Ed25519 against RFC 8032 §7.1 tests 1 to 3, the handshake vector and all Wycheproof cases. */
class Ed25519Test {
    /** Flags whose cases must be rejected (NOTICE.md); every one of them is also {@code invalid} in the file. */
    private static final Set<String> MUST_REJECT =
            Set.of("SignatureMalleability", "InvalidEncoding", "SignatureWithGarbage", "TruncatedSignature");

    @Test
    void rfc8032Test1FromNorcVectors() {
        JsonNode v = Vectors.norc("ed25519_rfc8032_tc1");
        checkRfc8032(Vectors.hex(v, "secret"), Vectors.hex(v, "public"), Vectors.hex(v, "message_hex"), Vectors.hex(v, "signature"));
    }

    @Test
    void rfc8032Test2() {
        checkRfc8032(Bytes.unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"),
                Bytes.unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
                Bytes.unhex("72"),
                Bytes.unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                        + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"));
    }

    @Test
    void rfc8032Test3() {
        checkRfc8032(Bytes.unhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"),
                Bytes.unhex("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
                Bytes.unhex("af82"),
                Bytes.unhex("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                        + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"));
    }

    private static void checkRfc8032(byte[] secret, byte[] publicKey, byte[] message, byte[] signature) {
        assertThat(Ed25519.publicKeyOf(secret)).isEqualTo(publicKey);
        assertThat(Ed25519.sign(secret, message)).isEqualTo(signature);
        assertThat(Ed25519.verify(publicKey, signature, message)).isTrue();
        byte[] other = Bytes.concat(message, new byte[] {0});
        assertThat(Ed25519.verify(publicKey, signature, other)).isFalse();
    }

    @Test
    void serverHelloSignatureOfTheHandshakeVector() {
        JsonNode v = Vectors.norc("handshake_json_0001");
        byte[] sk = Vectors.hex(v, "server_identity_secret");
        byte[] th = Vectors.hex(v, "transcript_hash");
        byte[] label = "norc:server-hello:v1".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = Ed25519.sign(sk, label, th);
        assertThat(sig).isEqualTo(Vectors.hex(v, "server_signature"));
        assertThat(Ed25519.verify(Ed25519.publicKeyOf(sk), sig, Bytes.concat(label, th))).isTrue();
    }

    @TestFactory
    List<DynamicTest> wycheproof() {
        List<Vectors.WycheproofCase> cases = Vectors.wycheproof("wycheproof-ed25519_test.json");
        List<DynamicTest> tests = new ArrayList<>();
        int valid = 0;
        int invalid = 0;
        for (Vectors.WycheproofCase c : cases) {
            byte[] pk = Vectors.hex(c.group().get("publicKey"), "pk");
            byte[] msg = c.bytes("msg");
            byte[] sig = c.bytes("sig");
            boolean expected;
            switch (c.result()) {
                case "valid" -> {
                    expected = true;
                    valid++;
                }
                case "invalid" -> {
                    expected = false;
                    invalid++;
                }
                default -> throw new IllegalStateException("unexpected result in " + c.name());
            }
            if (MUST_REJECT.stream().anyMatch(c::hasFlag)) {
                assertThat(expected).as("must-reject flag on a valid case: %s", c.name()).isFalse();
            }
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                assertThat(Ed25519.verify(pk, sig, msg)).isEqualTo(expected);
                if (expected) {
                    assertThatCode(() -> Ed25519.verifyOrThrow(pk, sig, msg)).doesNotThrowAnyException();
                    int half = msg.length / 2;
                    assertThat(Ed25519.verify(pk, sig, Arrays.copyOf(msg, half), Arrays.copyOfRange(msg, half, msg.length))).isTrue();
                } else {
                    assertThatThrownBy(() -> Ed25519.verifyOrThrow(pk, sig, msg)).isInstanceOfSatisfying(NorcException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SIGNATURE));
                }
            }));
        }
        assertThat(cases).hasSize(151);
        assertThat(valid).isEqualTo(88);
        assertThat(invalid).isEqualTo(63);
        return tests;
    }

    @Test
    void garbageIsFalseNeverAnException() {
        SecureRandom rnd = new SecureRandom();
        Ed25519.KeyPair kp = Ed25519.generate(rnd);
        byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = Ed25519.sign(kp.secretKey(), msg);
        assertThat(Ed25519.verify(kp.publicKey(), sig, msg)).isTrue();
        assertThat(Ed25519.verify(kp.publicKey(), sig, "hel".getBytes(StandardCharsets.US_ASCII), "lo".getBytes(StandardCharsets.US_ASCII))).isTrue();

        assertThat(Ed25519.verify(null, sig, msg)).isFalse();
        assertThat(Ed25519.verify(kp.publicKey(), null, msg)).isFalse();
        assertThat(Ed25519.verify(kp.publicKey(), sig, (byte[]) null)).isFalse();
        assertThat(Ed25519.verify(kp.publicKey(), sig, (byte[][]) null)).isFalse();
        assertThat(Ed25519.verify(Arrays.copyOf(kp.publicKey(), 31), sig, msg)).isFalse();
        assertThat(Ed25519.verify(kp.publicKey(), Arrays.copyOf(sig, 63), msg)).isFalse();
        assertThat(Ed25519.verify(kp.publicKey(), Arrays.copyOf(sig, 65), msg)).isFalse();
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xff);
        assertThat(Ed25519.verify(ff, sig, msg)).isFalse();
        assertThat(Ed25519.verify(new byte[32], new byte[64], msg)).isFalse();
        // S with the top bits set (S >= L) and R = 0xff..ff (not a canonical y)
        byte[] bigS = sig.clone();
        bigS[63] |= (byte) 0xf0;
        assertThat(Ed25519.verify(kp.publicKey(), bigS, msg)).isFalse();
        byte[] badR = sig.clone();
        Arrays.fill(badR, 0, 32, (byte) 0xff);
        assertThat(Ed25519.verify(kp.publicKey(), badR, msg)).isFalse();
        for (int i = 0; i < 200; i++) {
            byte[] pk = new byte[32];
            byte[] s = new byte[64];
            rnd.nextBytes(pk);
            rnd.nextBytes(s);
            assertThat(Ed25519.verify(pk, s, msg)).isFalse();
        }
    }

    @Test
    void wrongSecretLengthIsInvalidField() {
        assertThatThrownBy(() -> Ed25519.sign(new byte[31], new byte[0]))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> Ed25519.publicKeyOf(new byte[64]))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    @Test
    void keyPairToStringHidesTheSecret() {
        Ed25519.KeyPair kp = Ed25519.generate(new SecureRandom());
        assertThat(kp.toString()).doesNotContain(Bytes.hex(kp.secretKey())).contains(Bytes.hex(kp.publicKey()));
    }
}
