package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * X25519 against RFC 7748 §5.2 and §6.1 and all Wycheproof cases. Policy (NOTICE.md): acceptable
 * cases flagged {@code ZeroSharedSecret} or {@code LowOrderPublic} must fail with {@code WEAK_KEY};
 * every other acceptable case (twist points, non-canonical u, edge cases) must agree on the listed
 * shared secret, as RFC 7748 prescribes.
 */
class X25519Test {
    private static final byte[] ALICE_SECRET = Bytes.unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] ALICE_PUBLIC = Bytes.unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB_SECRET = Bytes.unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] BOB_PUBLIC = Bytes.unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] SHARED = Bytes.unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    @Test
    void rfc7748Section52FromNorcVectors() {
        JsonNode v = Vectors.norc("x25519_rfc7748");
        assertThat(X25519.agree(Vectors.hex(v, "scalar"), Vectors.hex(v, "u"))).isEqualTo(Vectors.hex(v, "output"));
    }

    @Test
    void rfc7748Section61AliceAndBob() {
        assertThat(X25519.publicKeyOf(ALICE_SECRET)).isEqualTo(ALICE_PUBLIC);
        assertThat(X25519.publicKeyOf(BOB_SECRET)).isEqualTo(BOB_PUBLIC);
        assertThat(X25519.agree(ALICE_SECRET, BOB_PUBLIC)).isEqualTo(SHARED);
        assertThat(X25519.agree(BOB_SECRET, ALICE_PUBLIC)).isEqualTo(SHARED);
    }

    @Test
    void theVectorFilesAgreeWithRfc7748() {
        JsonNode hs = Vectors.norc("handshake_json_0001");
        assertThat(Vectors.hex(hs, "client_ephemeral_secret")).isEqualTo(ALICE_SECRET);
        assertThat(Vectors.hex(hs, "server_ephemeral_secret")).isEqualTo(BOB_SECRET);
        assertThat(Vectors.hex(hs, "x25519_shared")).isEqualTo(SHARED);
        JsonNode kw = Vectors.norc("key_wrap");
        assertThat(Vectors.hex(kw, "ephemeral_public")).isEqualTo(ALICE_PUBLIC);
        assertThat(Vectors.hex(kw, "recipient_kex_public")).isEqualTo(BOB_PUBLIC);
        assertThat(Vectors.hex(kw, "shared_secret")).isEqualTo(SHARED);
    }

    @TestFactory
    List<DynamicTest> wycheproof() {
        List<Vectors.WycheproofCase> cases = Vectors.wycheproof("wycheproof-x25519_test.json");
        List<DynamicTest> tests = new ArrayList<>();
        int agreeing = 0;
        int rejected = 0;
        for (Vectors.WycheproofCase c : cases) {
            assertThat(c.group().get("curve").asText()).isEqualTo("curve25519");
            byte[] priv = c.bytes("private");
            byte[] pub = c.bytes("public");
            byte[] shared = c.bytes("shared");
            boolean mustReject = switch (c.result()) {
                case "valid" -> false;
                case "acceptable" -> c.hasFlag("ZeroSharedSecret") || c.hasFlag("LowOrderPublic");
                default -> throw new IllegalStateException("unexpected result in " + c.name());
            };
            if (mustReject) {
                rejected++;
                tests.add(DynamicTest.dynamicTest(c.name() + " -> WEAK_KEY", () -> {
                    assertThat(Bytes.isAllZero(shared)).as("listed shared secret").isTrue();
                    assertThatThrownBy(() -> X25519.agree(priv, pub)).isInstanceOfSatisfying(NorcException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.WEAK_KEY));
                }));
            } else {
                agreeing++;
                tests.add(DynamicTest.dynamicTest(c.name(), () -> assertThat(X25519.agree(priv, pub)).isEqualTo(shared)));
            }
        }
        assertThat(cases).hasSize(518);
        assertThat(rejected).isEqualTo(31);
        assertThat(agreeing).isEqualTo(518 - 31);
        return tests;
    }

    @Test
    void generatedPairsAgree() {
        SecureRandom rnd = new SecureRandom();
        X25519.KeyPair a = X25519.generate(rnd);
        X25519.KeyPair b = X25519.generate(rnd);
        assertThat(a.publicKey()).isEqualTo(X25519.publicKeyOf(a.secretKey()));
        assertThat(X25519.agree(a.secretKey(), b.publicKey())).isEqualTo(X25519.agree(b.secretKey(), a.publicKey()));
        assertThat(a.toString()).doesNotContain(Bytes.hex(a.secretKey()));
    }

    @Test
    void allZeroPeerKeyIsWeakAndWrongLengthsAreInvalid() {
        assertThatThrownBy(() -> X25519.agree(ALICE_SECRET, new byte[32]))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WEAK_KEY));
        assertThatThrownBy(() -> X25519.agree(ALICE_SECRET, new byte[31]))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> X25519.agree(new byte[33], BOB_PUBLIC))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        assertThatThrownBy(() -> X25519.publicKeyOf(null))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }
}
