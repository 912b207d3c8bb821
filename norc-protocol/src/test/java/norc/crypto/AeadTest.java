package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * ChaCha20-Poly1305 and AES-GCM against RFC 8439 §2.8.2, the session frame of norc-vectors.json and
 * all Wycheproof cases. The {@link Aead} API fixes a 12-byte nonce and a 16-byte tag, so Wycheproof
 * cases with another IV size must be refused with {@code INVALID_FIELD} (for AES-GCM this includes
 * cases the file calls valid: see NOTICE.md).
 */
class AeadTest {

    @Test
    void rfc8439Section282FromNorcVectors() {
        JsonNode v = Vectors.norc("chacha20poly1305_rfc8439_2_8_2");
        byte[] key = Vectors.hex(v, "key");
        byte[] nonce = Vectors.hex(v, "nonce");
        byte[] aad = Vectors.hex(v, "aad");
        byte[] plaintext = v.get("plaintext_utf8").asText().getBytes(StandardCharsets.UTF_8);
        byte[] expected = Vectors.hex(v, "ciphertext_and_tag");
        assertThat(ChaCha20Poly1305.INSTANCE.seal(key, nonce, aad, plaintext)).isEqualTo(expected);
        assertThat(ChaCha20Poly1305.INSTANCE.open(key, nonce, aad, expected)).isEqualTo(plaintext);
    }

    /** The frame layer's AEAD use (wire profile §4.2) on the c2s frame of the handshake vector. */
    @Test
    void sessionFrameOfTheHandshakeVector() {
        JsonNode hs = Vectors.norc("handshake_json_0001");
        JsonNode f = Vectors.norc("frame_c2s_presence");
        byte[] key = Vectors.hex(hs, "k_c2s");
        long seq = f.get("sequence_number").asLong();
        byte[] nonce = new byte[12];
        Bytes.putU64(nonce, 4, seq);
        assertThat(nonce).isEqualTo(Vectors.hex(f, "nonce"));
        byte[] payload = f.get("payload_utf8").asText().getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[f.get("padded_plaintext_length").asInt()];
        Bytes.putU32(padded, 0, payload.length);
        System.arraycopy(payload, 0, padded, 4, payload.length);
        byte[] aad = Vectors.hex(f, "aad");
        byte[] ciphertext = Vectors.hex(f, "ciphertext");
        assertThat(ChaCha20Poly1305.INSTANCE.seal(key, nonce, aad, padded)).isEqualTo(ciphertext);
        assertThat(ChaCha20Poly1305.INSTANCE.open(key, nonce, aad, ciphertext)).isEqualTo(padded);
        assertThat(Blake3.hash(ciphertext)).isEqualTo(Vectors.hex(f, "next_prev_message_hash"));
    }

    @TestFactory
    List<DynamicTest> wycheproofChaCha20Poly1305() {
        return wycheproof("wycheproof-chacha20_poly1305_test.json", ChaCha20Poly1305.INSTANCE,
                new int[] {325, 316, 256, 60, 9});
    }

    @TestFactory
    List<DynamicTest> wycheproofAesGcm() {
        return wycheproof("wycheproof-aes_gcm_test.json", AesGcm.INSTANCE, new int[] {316, 197, 116, 81, 119});
    }

    /**
     * Builds the cases of one file and checks its counts: {@code counts} = total, 12-byte-IV cases,
     * of which valid, of which invalid, and cases with another IV size.
     */
    private static List<DynamicTest> wycheproof(String file, Aead aead, int[] counts) {
        List<Vectors.WycheproofCase> cases = Vectors.wycheproof(file);
        List<DynamicTest> tests = new ArrayList<>();
        int standard = 0;
        int valid = 0;
        int invalid = 0;
        int otherIv = 0;
        for (Vectors.WycheproofCase c : cases) {
            assertThat(c.group().get("tagSize").asInt()).as("tag size in %s", c.name()).isEqualTo(128);
            byte[] key = c.bytes("key");
            byte[] iv = c.bytes("iv");
            byte[] aad = c.bytes("aad");
            byte[] msg = c.bytes("msg");
            byte[] ctAndTag = Bytes.concat(c.bytes("ct"), c.bytes("tag"));
            if (iv.length != Aead.NONCE_LENGTH) {
                otherIv++;
                tests.add(DynamicTest.dynamicTest(c.name() + " iv " + iv.length + " bytes -> INVALID_FIELD", () -> {
                    assertCode(() -> aead.seal(key, iv, aad, msg), ErrorCode.INVALID_FIELD);
                    assertCode(() -> aead.open(key, iv, aad, ctAndTag), ErrorCode.INVALID_FIELD);
                }));
                continue;
            }
            standard++;
            switch (c.result()) {
                case "valid" -> {
                    valid++;
                    tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                        assertThat(aead.seal(key, iv, aad, msg)).isEqualTo(ctAndTag);
                        assertThat(aead.open(key, iv, aad, ctAndTag)).isEqualTo(msg);
                        // the offset overloads, inside a larger buffer
                        byte[] framedMsg = frame(msg);
                        assertThat(aead.seal(key, iv, aad, framedMsg, 5, msg.length)).isEqualTo(ctAndTag);
                        byte[] framedCt = frame(ctAndTag);
                        assertThat(aead.open(key, iv, aad, framedCt, 5, ctAndTag.length)).isEqualTo(msg);
                    }));
                }
                case "invalid" -> {
                    invalid++;
                    tests.add(DynamicTest.dynamicTest(c.name() + " -> DECRYPT_FAILED",
                            () -> assertCode(() -> aead.open(key, iv, aad, ctAndTag), ErrorCode.DECRYPT_FAILED)));
                }
                default -> throw new IllegalStateException("unexpected result in " + c.name());
            }
        }
        assertThat(new int[] {cases.size(), standard, valid, invalid, otherIv}).as(file + " counts").isEqualTo(counts);
        return tests;
    }

    private static byte[] frame(byte[] inner) {
        byte[] out = new byte[inner.length + 9];
        Arrays.fill(out, (byte) 0xa5);
        System.arraycopy(inner, 0, out, 5, inner.length);
        return out;
    }

    @Test
    void sealingAndOpeningTheSameKeyAndNonceTwiceWorks() {
        for (Aead aead : List.of(ChaCha20Poly1305.INSTANCE, AesGcm.INSTANCE)) {
            byte[] key = new byte[32];
            byte[] nonce = new byte[12];
            byte[] msg = "same key, same nonce".getBytes(StandardCharsets.US_ASCII);
            byte[] first = aead.seal(key, nonce, null, msg);
            byte[] second = aead.seal(key, nonce, new byte[0], msg);
            assertThat(second).as(aead.toString()).isEqualTo(first);
            assertThat(aead.open(key, nonce, null, first)).isEqualTo(msg);
            assertThat(aead.open(key, nonce, null, first)).isEqualTo(msg);
            assertThat(aead.seal(key, nonce, null, msg)).isEqualTo(first);
            // a failed open leaves nothing behind that breaks the next call
            byte[] tampered = first.clone();
            tampered[0] ^= 1;
            assertCode(() -> aead.open(key, nonce, null, tampered), ErrorCode.DECRYPT_FAILED);
            assertThat(aead.open(key, nonce, null, first)).isEqualTo(msg);
        }
    }

    @Test
    void everyOpenFailureLooksTheSame() {
        for (Aead aead : List.of(ChaCha20Poly1305.INSTANCE, AesGcm.INSTANCE)) {
            byte[] key = new byte[32];
            key[0] = 9;
            byte[] nonce = new byte[12];
            byte[] aad = {1, 2, 3};
            byte[] sealed = aead.seal(key, nonce, aad, new byte[40]);
            assertThat(sealed).hasSize(40 + Aead.TAG_LENGTH);
            NorcException shortInput = catchNorc(() -> aead.open(key, nonce, aad, new byte[15]));
            NorcException empty = catchNorc(() -> aead.open(key, nonce, aad, new byte[0]));
            NorcException wrongAad = catchNorc(() -> aead.open(key, nonce, new byte[] {1, 2}, sealed));
            byte[] badTag = sealed.clone();
            badTag[badTag.length - 1] ^= 0x40;
            NorcException tag = catchNorc(() -> aead.open(key, nonce, aad, badTag));
            for (NorcException e : List.of(shortInput, empty, wrongAad, tag)) {
                assertThat(e.code()).isEqualTo(ErrorCode.DECRYPT_FAILED);
                assertThat(e.detail()).isEqualTo(shortInput.detail());
                assertThat(e.getCause()).isNull();
            }
            assertThat(aead.open(key, nonce, aad, sealed)).isEqualTo(new byte[40]);
        }
    }

    @Test
    void wrongKeyAndNonceLengthsAreInvalidField() {
        byte[] msg = new byte[1];
        assertCode(() -> ChaCha20Poly1305.INSTANCE.seal(new byte[16], new byte[12], null, msg), ErrorCode.INVALID_FIELD);
        assertCode(() -> ChaCha20Poly1305.INSTANCE.seal(new byte[32], new byte[8], null, msg), ErrorCode.INVALID_FIELD);
        assertCode(() -> ChaCha20Poly1305.INSTANCE.open(new byte[31], new byte[12], null, new byte[32]), ErrorCode.INVALID_FIELD);
        assertCode(() -> AesGcm.INSTANCE.seal(new byte[20], new byte[12], null, msg), ErrorCode.INVALID_FIELD);
        assertCode(() -> AesGcm.INSTANCE.open(new byte[16], new byte[16], null, new byte[32]), ErrorCode.INVALID_FIELD);
        for (int keyLength : new int[] {16, 24, 32}) {
            byte[] sealed = AesGcm.INSTANCE.seal(new byte[keyLength], new byte[12], null, msg);
            assertThat(AesGcm.INSTANCE.open(new byte[keyLength], new byte[12], null, sealed)).isEqualTo(msg);
        }
    }

    /** The per-thread cipher cache keeps concurrent callers apart. Seed printed on failure. */
    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        long seed = new SplittableRandom().nextLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                SplittableRandom rnd = new SplittableRandom(seed + t);
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        Aead aead = (i & 1) == 0 ? ChaCha20Poly1305.INSTANCE : AesGcm.INSTANCE;
                        byte[] key = new byte[32];
                        byte[] nonce = new byte[12];
                        byte[] msg = new byte[rnd.nextInt(300)];
                        rnd.nextBytes(key);
                        rnd.nextBytes(nonce);
                        rnd.nextBytes(msg);
                        byte[] sealed = aead.seal(key, nonce, key, msg);
                        assertThat(aead.open(key, nonce, key, sealed)).as("seed %d", seed).isEqualTo(msg);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static NorcException catchNorc(ThrowingCallable call) {
        try {
            call.call();
        } catch (NorcException e) {
            return e;
        } catch (Throwable t) {
            throw new AssertionError("expected NorcException, got " + t, t);
        }
        throw new AssertionError("expected NorcException, nothing thrown");
    }

    static void assertCode(ThrowingCallable call, ErrorCode code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
