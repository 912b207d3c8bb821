package norc.crypto;

import static norc.crypto.AeadTest.assertCode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.SecureRandom;
import java.util.UUID;
import norc.error.ErrorCode;
import org.junit.jupiter.api.Test;

/** Content-key wrapping (wire profile §6) against norc-vectors.json {@code key_wrap}. */
class KeyWrapTest {
    private static final JsonNode V = Vectors.norc("key_wrap");
    private static final byte[] CONTENT_KEY = Vectors.hex(V, "content_key");
    private static final UUID DEVICE = UUID.fromString(V.get("device_id").asText());
    private static final UUID MESSAGE = UUID.fromString(V.get("message_id").asText());
    private static final UUID CONVERSATION = UUID.fromString(V.get("conversation_id").asText());
    private static final byte[] EPH_SECRET = Vectors.hex(V, "ephemeral_secret");
    private static final byte[] RECIPIENT_SECRET = Vectors.hex(V, "recipient_kex_secret");
    private static final byte[] RECIPIENT_PUBLIC = Vectors.hex(V, "recipient_kex_public");

    @Test
    void intermediateValuesOfTheVector() {
        assertThat(X25519.agree(EPH_SECRET, RECIPIENT_PUBLIC)).isEqualTo(Vectors.hex(V, "shared_secret"));
        assertThat(KeyWrap.salt(MESSAGE)).isEqualTo(Vectors.hex(V, "salt"));
        assertThat(KeyWrap.wrapKey(Vectors.hex(V, "shared_secret"), MESSAGE, DEVICE)).isEqualTo(Vectors.hex(V, "wrap_key"));
        assertThat(KeyWrap.nonce(DEVICE, MESSAGE)).isEqualTo(Vectors.hex(V, "nonce"));
        assertThat(KeyWrap.aad(MESSAGE, CONVERSATION)).isEqualTo(Bytes.concat(Bytes.uuidBytes(MESSAGE), Bytes.uuidBytes(CONVERSATION)));
    }

    @Test
    void deterministicWrapMatchesTheVectorAndUnwraps() {
        KeyWrap.Wrapped w = KeyWrap.wrap(CONTENT_KEY, MESSAGE, CONVERSATION, DEVICE, RECIPIENT_PUBLIC, EPH_SECRET);
        assertThat(w.ephemeralPublicKey()).isEqualTo(Vectors.hex(V, "ephemeral_public"));
        assertThat(w.wrappedKey()).isEqualTo(Vectors.hex(V, "wrapped_key"));
        assertThat(KeyWrap.unwrap(w, MESSAGE, CONVERSATION, DEVICE, RECIPIENT_SECRET)).isEqualTo(CONTENT_KEY);
        // the vector's bytes as a decoder would hand them over
        KeyWrap.Wrapped decoded = new KeyWrap.Wrapped(Vectors.hex(V, "ephemeral_public"), Vectors.hex(V, "wrapped_key"));
        assertThat(KeyWrap.unwrap(decoded, MESSAGE, CONVERSATION, DEVICE, RECIPIENT_SECRET)).isEqualTo(CONTENT_KEY);
    }

    @Test
    void anyMismatchFailsAsDecryptFailed() {
        KeyWrap.Wrapped w = KeyWrap.wrap(CONTENT_KEY, MESSAGE, CONVERSATION, DEVICE, RECIPIENT_PUBLIC, EPH_SECRET);
        UUID other = UUID.fromString("00000000-0000-4000-8000-000000000001");
        assertCode(() -> KeyWrap.unwrap(w, other, CONVERSATION, DEVICE, RECIPIENT_SECRET), ErrorCode.DECRYPT_FAILED);
        assertCode(() -> KeyWrap.unwrap(w, MESSAGE, other, DEVICE, RECIPIENT_SECRET), ErrorCode.DECRYPT_FAILED);
        assertCode(() -> KeyWrap.unwrap(w, MESSAGE, CONVERSATION, other, RECIPIENT_SECRET), ErrorCode.DECRYPT_FAILED);
        assertCode(() -> KeyWrap.unwrap(w, MESSAGE, CONVERSATION, DEVICE, EPH_SECRET), ErrorCode.DECRYPT_FAILED);
        byte[] tampered = w.wrappedKey().clone();
        tampered[47] ^= 1;
        assertCode(() -> KeyWrap.unwrap(new KeyWrap.Wrapped(w.ephemeralPublicKey(), tampered), MESSAGE, CONVERSATION, DEVICE,
                RECIPIENT_SECRET), ErrorCode.DECRYPT_FAILED);
        // a low-order ephemeral key gives an all-zero secret: reported like any other failure
        assertCode(() -> KeyWrap.unwrap(new KeyWrap.Wrapped(new byte[32], w.wrappedKey()), MESSAGE, CONVERSATION, DEVICE,
                RECIPIENT_SECRET), ErrorCode.DECRYPT_FAILED);
    }

    @Test
    void randomWrapRoundTrips() {
        SecureRandom rnd = new SecureRandom();
        X25519.KeyPair recipient = X25519.generate(rnd);
        byte[] contentKey = new byte[32];
        rnd.nextBytes(contentKey);
        KeyWrap.Wrapped a = KeyWrap.wrap(contentKey, MESSAGE, CONVERSATION, DEVICE, recipient.publicKey(), rnd);
        KeyWrap.Wrapped b = KeyWrap.wrap(contentKey, MESSAGE, CONVERSATION, DEVICE, recipient.publicKey(), rnd);
        assertThat(a.ephemeralPublicKey()).isNotEqualTo(b.ephemeralPublicKey());
        assertThat(a.wrappedKey()).hasSize(48).isNotEqualTo(b.wrappedKey());
        assertThat(KeyWrap.unwrap(a, MESSAGE, CONVERSATION, DEVICE, recipient.secretKey())).isEqualTo(contentKey);
        assertThat(KeyWrap.unwrap(b, MESSAGE, CONVERSATION, DEVICE, recipient.secretKey())).isEqualTo(contentKey);
    }

    @Test
    void malformedInputs() {
        assertCode(() -> new KeyWrap.Wrapped(new byte[31], new byte[48]), ErrorCode.INVALID_FIELD);
        assertCode(() -> new KeyWrap.Wrapped(new byte[32], new byte[47]), ErrorCode.INVALID_FIELD);
        assertCode(() -> new KeyWrap.Wrapped(null, new byte[48]), ErrorCode.INVALID_FIELD);
        assertCode(() -> KeyWrap.wrap(new byte[16], MESSAGE, CONVERSATION, DEVICE, RECIPIENT_PUBLIC, EPH_SECRET),
                ErrorCode.INVALID_FIELD);
        assertCode(() -> KeyWrap.wrap(CONTENT_KEY, MESSAGE, CONVERSATION, DEVICE, new byte[32], EPH_SECRET), ErrorCode.WEAK_KEY);
        KeyWrap.Wrapped w = KeyWrap.wrap(CONTENT_KEY, MESSAGE, CONVERSATION, DEVICE, RECIPIENT_PUBLIC, EPH_SECRET);
        assertCode(() -> KeyWrap.unwrap(w, MESSAGE, CONVERSATION, DEVICE, new byte[31]), ErrorCode.INVALID_FIELD);
    }
}
