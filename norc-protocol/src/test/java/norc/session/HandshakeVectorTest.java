package norc.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.CipherSuite;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.wire.FrameHeader;
import norc.wire.JsonCodec;
import norc.wire.ProtocolVersion;
import norc.wire.WireLimits;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.ConnectionRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code handshake_json_0001} and {@code frame_c2s_presence} sections of
 * {@code norc-vectors.json}: both sides of the handshake must reproduce the independent
 * implementation's transcript hash, signature and keys byte for byte, and the frame layer its
 * header, AAD, nonce, padding, ciphertext and next chain hash.
 */
class HandshakeVectorTest {
    static JsonNode hs;
    static JsonNode frame;
    static final JsonCodec JSON = new JsonCodec(WireLimits.DEFAULT);

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = HandshakeVectorTest.class.getResourceAsStream("/vectors/norc-vectors.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            hs = root.get("handshake_json_0001");
            frame = root.get("frame_c2s_presence");
        }
    }

    static byte[] hex(JsonNode node, String field) {
        return Bytes.unhex(node.get(field).asText());
    }

    static byte[] utf8(JsonNode node, String field) {
        return node.get(field).asText().getBytes(StandardCharsets.UTF_8);
    }

    static ServerHandshake.Config serverConfig() {
        byte[] secret = hex(hs, "server_identity_secret");
        return new ServerHandshake.Config(
                List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2), new ProtocolVersion(1, 1),
                        new ProtocolVersion(1, 0)),
                List.of(CipherSuite.S0001), List.of("e2ee", "federation", "messaging"),
                new ServerHandshake.Identity("a.example", secret, Ed25519.publicKeyOf(secret)));
    }

    static ServerHandshake.Result serverSide() {
        JsonNode accepted;
        try {
            accepted = new ObjectMapper().readTree(hs.get("connection_accepted_canonical_without_signature").asText());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ServerHandshake.Ephemeral ephemeral = ServerHandshake.Ephemeral.of(hex(hs, "server_ephemeral_secret"),
                java.util.Base64.getUrlDecoder().decode(accepted.get("server_nonce").asText()),
                UUID.fromString(accepted.get("session_id").asText()));
        return ServerHandshake.respond(serverConfig(), JSON, utf8(hs, "connection_request_canonical"), ephemeral,
                new SecureRandom());
    }

    @Test
    void clientRequestIsByteExact() {
        ConnectionRequest parsed = (ConnectionRequest) JSON.decodeMessage(utf8(hs, "connection_request_canonical"));
        ClientHandshake client = ClientHandshake.withEphemeral(
                new ClientHandshake.Offer(List.of("2.0", "1.2"), List.of(CipherSuite.S0001), List.of("e2ee", "messaging")),
                JSON, hex(hs, "client_ephemeral_secret"), parsed.clientNonce(), null);
        assertThat(new String(client.requestBytes(), StandardCharsets.UTF_8))
                .isEqualTo(hs.get("connection_request_canonical").asText());
    }

    @Test
    void serverSideReproducesTranscriptSignatureAndKeys() {
        ServerHandshake.Result result = serverSide();
        assertThat(new String(JSON.encodeMessageWithout(result.accepted(), ConnectionAccepted.SIGNATURE_FIELD),
                StandardCharsets.UTF_8)).isEqualTo(hs.get("connection_accepted_canonical_without_signature").asText());
        assertThat(Bytes.hex(result.keys().transcriptHash())).isEqualTo(hs.get("transcript_hash").asText());
        assertThat(Bytes.hex(result.accepted().serverSignature())).isEqualTo(hs.get("server_signature").asText());
        assertThat(Bytes.hex(result.keys().clientToServer())).isEqualTo(hs.get("k_c2s").asText());
        assertThat(Bytes.hex(result.keys().serverToClient())).isEqualTo(hs.get("k_s2c").asText());
        assertThat(result.keys().version()).isEqualTo(new ProtocolVersion(2, 0));
        assertThat(result.keys().compatibilityMode()).isFalse();
    }

    @Test
    void masterSecretMatches() {
        byte[] th = hex(hs, "transcript_hash");
        ConnectionRequest request = (ConnectionRequest) JSON.decodeMessage(utf8(hs, "connection_request_canonical"));
        ServerHandshake.Result result = serverSide();
        byte[] ms = KeySchedule.masterSecret(hex(hs, "x25519_shared"), request.clientNonce(),
                result.accepted().serverNonce(), new ProtocolVersion(2, 0), CipherSuite.S0001, th);
        assertThat(Bytes.hex(ms)).isEqualTo(hs.get("master_secret").asText());
    }

    @Test
    void clientSideDerivesTheSameKeysFromTheServerAnswer() {
        ConnectionRequest parsed = (ConnectionRequest) JSON.decodeMessage(utf8(hs, "connection_request_canonical"));
        ClientHandshake client = ClientHandshake.withEphemeral(
                new ClientHandshake.Offer(List.of("2.0", "1.2"), List.of(CipherSuite.S0001), List.of("e2ee", "messaging")),
                JSON, hex(hs, "client_ephemeral_secret"), parsed.clientNonce(), null);
        ServerHandshake.Result result = serverSide();
        SessionKeys keys = client.finish(result.acceptedBytes(), Ed25519.publicKeyOf(hex(hs, "server_identity_secret")));
        assertThat(Bytes.hex(keys.transcriptHash())).isEqualTo(hs.get("transcript_hash").asText());
        assertThat(Bytes.hex(keys.clientToServer())).isEqualTo(hs.get("k_c2s").asText());
        assertThat(Bytes.hex(keys.serverToClient())).isEqualTo(hs.get("k_s2c").asText());
    }

    @Test
    void frameLayerIsByteExact() {
        byte[] key = hex(hs, "k_c2s");
        byte[] th = hex(hs, "transcript_hash");
        long sequence = frame.get("sequence_number").asLong();
        UUID messageId = UUID.fromString(frame.get("message_id").asText());
        byte[] padded = Padding.pad(utf8(frame, "payload_utf8"));
        assertThat(padded.length).isEqualTo(frame.get("padded_plaintext_length").asInt());

        int ciphertextLength = padded.length + 16;
        byte[] aad = Aad.v1(2, 0, 0x20, sequence, messageId, ciphertextLength, new byte[32], th);
        assertThat(Bytes.hex(aad)).isEqualTo(frame.get("aad").asText());
        assertThat(Bytes.hex(SendSession.nonce(sequence))).isEqualTo(frame.get("nonce").asText());

        byte[] header = new byte[FrameHeader.V2_LENGTH];
        new FrameHeader(2, 0, 0x20, ciphertextLength, messageId, sequence, new byte[32]).writeTo(header, 0);
        assertThat(Bytes.hex(header)).isEqualTo(frame.get("header").asText());

        byte[] ciphertext = ChaCha20Poly1305.INSTANCE.seal(key, SendSession.nonce(sequence), aad, padded);
        assertThat(Bytes.hex(ciphertext)).isEqualTo(frame.get("ciphertext").asText());
        assertThat(Bytes.hex(Blake3.hash(ciphertext))).isEqualTo(frame.get("next_prev_message_hash").asText());
    }

    @Test
    void receiveSessionAuthenticatesTheVectorFrameAndAdvancesItsChain() {
        // The vector's payload is illustrative (not a complete presence_update): the frame must pass
        // header, replay, AEAD and chain checks, and only then fail payload decoding.
        byte[] frameBytes = Bytes.concat(hex(frame, "header"), hex(frame, "ciphertext"));
        SessionKeys keys = new SessionKeys(new ProtocolVersion(2, 0), CipherSuite.S0001, false, UUID.randomUUID(),
                "a.example", new byte[32], hex(hs, "transcript_hash"), hex(hs, "k_c2s"), hex(hs, "k_s2c"));
        ReceiveSession receiver = new ReceiveSession(keys, new norc.wire.BinaryCodec(WireLimits.DEFAULT), true,
                1024, 8, ReceiveSession.IntegrityListener.NONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> receiver.open(frameBytes))
                .isInstanceOfSatisfying(norc.error.NorcException.class,
                        e -> assertThat(e.code()).isIn(norc.error.ErrorCode.TRUNCATED, norc.error.ErrorCode.INVALID_FIELD,
                                norc.error.ErrorCode.LIMIT_EXCEEDED, norc.error.ErrorCode.INVALID_UTF8));
        assertThat(receiver.aeadFailures()).isZero();
        assertThat(receiver.chainMismatches()).isZero();
        // the same frame again is now a replay: the window moved after the AEAD passed
        assertThat(receiver.open(frameBytes)).isEqualTo(new ReceiveSession.Discarded(ReceiveSession.DiscardReason.REPLAY, false));
    }
}
