package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The primitives composed as the wire profile §3 key schedule, against norc-vectors.json
 * {@code handshake_json_0001}: a cross-check of BLAKE3, HKDF-BLAKE3, X25519 and the suite id, not
 * a test of the handshake itself (that belongs to the session package).
 */
class KeyScheduleVectorTest {
    private static final JsonNode V = Vectors.norc("handshake_json_0001");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void transcriptHashMasterSecretAndTrafficKeys() {
        byte[] request = V.get("connection_request_canonical").asText().getBytes(StandardCharsets.UTF_8);
        byte[] accepted = V.get("connection_accepted_canonical_without_signature").asText().getBytes(StandardCharsets.UTF_8);
        byte[] th = Blake3.hash(ascii("norc-c-handshake-v1"), request, accepted);
        assertThat(th).isEqualTo(Vectors.hex(V, "transcript_hash"));

        byte[] ss = X25519.agree(Vectors.hex(V, "client_ephemeral_secret"),
                X25519.publicKeyOf(Vectors.hex(V, "server_ephemeral_secret")));
        assertThat(ss).isEqualTo(Vectors.hex(V, "x25519_shared"));

        Base64.Decoder b64 = Base64.getUrlDecoder();
        byte[] clientNonce = b64.decode("ABEiM0RVZneImaq7zN3u_w");
        byte[] serverNonce = b64.decode("_-7dzLuqmYh3ZlVEMyIRAA");
        assertThat(V.get("connection_request_canonical").asText()).contains("ABEiM0RVZneImaq7zN3u_w");
        assertThat(V.get("connection_accepted_canonical_without_signature").asText()).contains("_-7dzLuqmYh3ZlVEMyIRAA");
        byte[] salt = Bytes.concat(clientNonce, serverNonce);
        assertThat(salt).hasSize(32);

        byte[] info = HkdfBlake3.info("norc:ms:v1", ascii("2.0"), Bytes.u16(CipherSuite.S0001.id()), th);
        byte[] ms = HkdfBlake3.derive(salt, ss, info, 32);
        assertThat(ms).isEqualTo(Vectors.hex(V, "master_secret"));
        assertThat(HkdfBlake3.derive(new byte[0], ms, HkdfBlake3.info("norc:tk:c2s:v1"), 32)).isEqualTo(Vectors.hex(V, "k_c2s"));
        assertThat(HkdfBlake3.derive(new byte[0], ms, HkdfBlake3.info("norc:tk:s2c:v1"), 32)).isEqualTo(Vectors.hex(V, "k_s2c"));
    }
}
