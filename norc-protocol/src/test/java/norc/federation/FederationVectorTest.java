package norc.federation;

import static norc.federation.FieldsView.hex;
import static norc.federation.FieldsView.record;
import static norc.federation.FieldsView.section;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.stream.Stream;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.wire.BinaryCodec;
import norc.wire.JsonCodec;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.TrustRevocationReason;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.message.DeliveryAck;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.MessageRelay;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerDiscovery;
import norc.wire.message.ServerInfo;
import norc.wire.message.TrustCapability;
import norc.wire.message.TrustChallenge;
import norc.wire.message.TrustRequest;
import norc.wire.message.TrustResponse;
import norc.wire.message.TrustRevoke;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code f_*} and {@code t_*} sections of {@code norc-vectors-2.json} (federation profile §0–§6),
 * byte for byte: each record is built from the vector's {@code fields} view, and its canon without
 * signature, signature input, signature (Ed25519 is deterministic), verification and full canon must
 * equal the independent implementation's; every canon decodes strictly and re-encodes identically,
 * also through JSON; a one-bit change in any signed field breaks verification.
 */
class FederationVectorTest {
    static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);
    static final JsonCodec JSON = new JsonCodec(WireLimits.DEFAULT);
    static final byte[] A_SECRET = hex(section("keys").get("server_a.identity"), "secret");
    static final byte[] A_PUBLIC = hex(section("keys").get("server_a.identity"), "public");
    static final byte[] B_SECRET = hex(section("keys").get("server_b.identity"), "secret");
    static final byte[] B_PUBLIC = hex(section("keys").get("server_b.identity"), "public");

    /** How one message type is signed, with its context (cb, hello, challenge data) captured. */
    record Scheme<M extends NorcMessage>(Class<M> type, Function<M, byte[]> input, BiFunction<byte[], M, M> sign,
                                         BiPredicate<byte[], M> verify) {}

    @Test
    void vectorKeysAreRfc8032Seeds() {
        assertThat(Ed25519.publicKeyOf(A_SECRET)).isEqualTo(A_PUBLIC);
        assertThat(Ed25519.publicKeyOf(B_SECRET)).isEqualTo(B_PUBLIC);
    }

    @Test
    void certificateFingerprintsAndChannelBinding() {
        JsonNode certs = section("certificates");
        for (String name : List.of("cert_a", "cert_b", "cert_ca")) {
            assertHex(FederationSignatures.fingerprint(hex(certs, name + "_der")), certs, "fp_" + name);
        }
        JsonNode hello = section("f_hello");
        assertHex(FederationSignatures.fingerprint(hex(hello, "client_cert_der")), hello, "fp_client_cert");
        assertHex(FederationSignatures.fingerprint(hex(hello, "server_cert_der")), hello, "fp_server_cert");
        assertHex(FederationSignatures.channelBinding(hex(hello, "client_cert_der"), hex(hello, "server_cert_der")), hello, "cb");
    }

    @Test
    void serverInfo() {
        JsonNode v = section("f_server_info");
        ServerInfo info = checkSigned(v, A_SECRET, new Scheme<>(ServerInfo.class, FederationSignatures::signatureInput,
                FederationSignatures::signServerInfo, FederationSignatures::verifyServerInfo),
                "public_key", "timestamp", "federation_policy.max_message_size", "federation_policy.auto_accept");
        JsonNode certs = section("certificates");
        assertThat(info.endpoints()).allSatisfy(e -> assertThat(e.tlsFingerprint()).isEqualTo(hex(certs, "fp_cert_a")));
        assertThat(info.trustAnchors()).singleElement().isEqualTo(hex(certs, "fp_cert_ca"));
    }

    @Test
    void federationHello() {
        JsonNode v = section("f_hello");
        byte[] cb = hex(v, "cb");
        FederationHello hello = checkSigned(v.get("hello"), A_SECRET, helloScheme(cb), "nonce", "timestamp",
                "server_public_key");
        assertThat(FederationSignatures.verifyHello(A_PUBLIC, flipBit(cb), hello)).as("another connection's cb").isFalse();
        assertThat(FederationSignatures.verifyHello(B_PUBLIC, cb, hello)).as("another key").isFalse();
    }

    @Test
    void federationHelloResponseSignsTheTranscript() {
        JsonNode v = section("f_hello");
        byte[] cb = hex(v, "cb");
        FederationHello hello = record(FederationHello.class, v.get("hello").get("fields"));
        JsonNode r = v.get("response");
        FederationHelloResponse response = record(FederationHelloResponse.class, r.get("fields"));

        byte[] thInput = Bytes.concat(ascii(FederationSignatures.TRANSCRIPT_LABEL), FederationSignatures.canon(hello),
                FederationSignatures.canonWithoutSignature(response));
        assertHex(thInput, r, "th_input");
        assertHex(Blake3.hash(thInput), r, "th");
        assertHex(FederationSignatures.transcriptHash(hello, response), r, "th");

        FederationHelloResponse signed = checkSigned(r, B_SECRET, new Scheme<>(FederationHelloResponse.class,
                m -> FederationSignatures.signatureInput(cb, hello, m),
                (sk, m) -> FederationSignatures.signHelloResponse(sk, cb, hello, m),
                (pk, m) -> FederationSignatures.verifyHelloResponse(pk, cb, hello, m)), "nonce", "timestamp");
        assertThat(FederationSignatures.verifyHelloResponse(B_PUBLIC, flipBit(cb), hello, signed)).as("other cb").isFalse();
        assertThat(FederationSignatures.verifyHelloResponse(B_PUBLIC, cb, flip(hello, "nonce"), signed))
                .as("another hello").isFalse();
        assertThat(FederationSignatures.verifyHelloResponse(B_PUBLIC, cb, flip(hello, "signature"), signed))
                .as("the hello's signature is part of the transcript").isFalse();
    }

    @Test
    void relayPayloadIsTheCanonOfTheStampedMessageSend() {
        JsonNode p = section("f_relay").get("payload_message_send");
        MessageSend send = record(MessageSend.class, p.get("fields"));
        assertHex(FederationSignatures.canon(send), p, "canon");
        assertThat(BINARY.decodeMessage(hex(p, "canon"))).isInstanceOf(MessageSend.class);
        MessageRelay relay = record(MessageRelay.class, section("f_relay").get("relay").get("fields"));
        assertThat(relay.encryptedPayloads()).containsOnlyKeys(UUID.fromString("8c3a2e9f-4d51-4a0c-bf8e-314253647586"));
        assertThat(relay.encryptedPayloads().values()).singleElement().isEqualTo(hex(p, "canon"));
        assertThat(send.keys()).containsOnlyKeys(relay.encryptedPayloads().keySet());
    }

    @Test
    void relayRouteSignatureCoversAllButTheHopCount() {
        JsonNode v = section("f_relay").get("relay");
        MessageRelay relay = record(MessageRelay.class, v.get("fields"));
        assertThat(relay.metadata().expiresAt()).isEqualTo(1_767_312_020L);
        assertThat(new String(JSON.encodeMessage(relay), StandardCharsets.UTF_8)).contains("\"expires_at\":1767312020");

        assertHex(FederationSignatures.routeCanon(relay), v, "route_signature_canon");
        assertThat(FederationSignatures.routeCanon(relay)).hasSameSizeAs(hex(v, "canon"));
        assertHex(FederationSignatures.signatureInput(relay), v, "route_signature_input");
        MessageRelay signed = FederationSignatures.signRelay(A_SECRET, relay);
        assertHex(signed.metadata().routeSignature(), v, "route_signature");
        assertHex(FederationSignatures.canon(signed), v, "canon");
        assertHex(FederationSignatures.canon(relay), v, "canon");
        assertThat(FederationSignatures.verifyRelay(A_PUBLIC, signed)).isTrue();
        assertThat(FederationSignatures.verifyRelay(B_PUBLIC, signed)).as("another key").isFalse();

        for (String field : List.of("message_id", "origin_server", "sequence_number", "classification", "metadata.timestamp",
                "metadata.expires_at", "metadata.route_signature")) {
            assertThat(FederationSignatures.verifyRelay(A_PUBLIC, flip(signed, field))).as(field).isFalse();
        }
        MessageRelay forwarded = flip(signed, "metadata.hop_count");
        assertThat(forwarded.metadata().hopCount()).isNotEqualTo(signed.metadata().hopCount());
        assertThat(FederationSignatures.verifyRelay(A_PUBLIC, forwarded)).as("hop_count is not covered").isTrue();
    }

    @Test
    void deliveryAck() {
        checkSigned(section("f_relay").get("delivery_ack"), B_SECRET, new Scheme<>(DeliveryAck.class,
                FederationSignatures::signatureInput, FederationSignatures::signDeliveryAck,
                FederationSignatures::verifyDeliveryAck), "message_id", "origin_server", "timestamp");
    }

    @Test
    void trustRequestCarriesTheSignedServerInfo() {
        TrustRequest request = checkSigned(section("t_trust").get("trust_request"), A_SECRET, new Scheme<>(TrustRequest.class,
                FederationSignatures::signatureInput, FederationSignatures::signTrustRequest,
                FederationSignatures::verifyTrustRequest), "requesting_server", "requested_server", "trust_level",
                "proof_of_control", "timestamp");
        assertThat(request.proofOfControl()).isEqualTo(hex(section("f_server_info"), "canon"));
        ServerInfo proof = (ServerInfo) BINARY.decodeMessage(request.proofOfControl());
        assertThat(FederationSignatures.verifyServerInfo(proof.publicKey(), proof)).isTrue();
        assertThat(request.certificateChain().get(0)).isEqualTo(hex(section("certificates"), "cert_a_der"));
    }

    @Test
    void trustChallenge() {
        checkSigned(section("t_trust").get("trust_challenge"), B_SECRET, new Scheme<>(TrustChallenge.class,
                FederationSignatures::signatureInput, FederationSignatures::signTrustChallenge,
                FederationSignatures::verifyTrustChallenge), "challenge_id", "challenge_data", "validation_method",
                "expires_at");
    }

    @Test
    void trustResponseSignsTheChallengeData() {
        byte[] challengeData = hex(section("t_trust").get("trust_challenge").get("fields"), "challenge_data");
        TrustResponse response = checkSigned(section("t_trust").get("trust_response"), A_SECRET, new Scheme<>(
                TrustResponse.class, m -> FederationSignatures.signatureInput(challengeData, m),
                (sk, m) -> FederationSignatures.signTrustResponse(sk, challengeData, m),
                (pk, m) -> FederationSignatures.verifyTrustResponse(pk, challengeData, m)), "challenge_id");
        assertThat(FederationSignatures.verifyTrustResponse(A_PUBLIC, flipBit(challengeData), response))
                .as("another challenge").isFalse();
    }

    @Test
    void keyIds() {
        JsonNode ids = section("t_trust").get("key_id");
        JsonNode a = ids.get("a_example");
        assertHex(Bytes.concat(ascii(FederationSignatures.KEY_ID_LABEL), hex(a, "public_key")), a, "b3_input");
        assertThat(FederationSignatures.keyId(hex(a, "public_key"))).isEqualTo(a.get("key_id").asText()).hasSize(32);
        JsonNode b = ids.get("b_example");
        assertThat(FederationSignatures.keyId(hex(b, "public_key"))).isEqualTo(b.get("key_id").asText());
        assertThat(hex(a, "public_key")).isEqualTo(A_PUBLIC);
        assertThat(hex(b, "public_key")).isEqualTo(B_PUBLIC);
    }

    @Test
    void dnsProof() {
        JsonNode dns = section("t_trust").get("dns");
        JsonNode challenge = section("t_trust").get("trust_challenge").get("fields");
        UUID challengeId = UUID.fromString(challenge.get("challenge_id").asText());
        byte[] challengeData = hex(challenge, "challenge_data");
        byte[] b3Input = Bytes.concat(ascii(FederationSignatures.DNS_LABEL), Bytes.uuidBytes(challengeId), challengeData, A_PUBLIC);
        assertHex(b3Input, dns, "b3_input");
        assertHex(Blake3.hash(b3Input), dns, "b3");
        assertThat(FederationSignatures.dnsTxtName("a.example")).isEqualTo(dns.get("txt_name").asText());
        String value = FederationSignatures.dnsTxtValue(challengeId, challengeData, A_PUBLIC);
        assertThat(value).isEqualTo(dns.get("txt_value").asText())
                .isNotEqualTo(dns.get("txt_value_if_padded_base64url").asText());
    }

    /** Types without a vector: their label, and sign/verify over {@code canon(m \ signature)}. */
    @Test
    void messagesWithoutVectorsSignUnderTheirLabels() {
        long now = 1_767_225_600_000_000L;
        ServerDiscovery discovery = FederationSignatures.signServerDiscovery(A_SECRET,
                new ServerDiscovery("b.example", "a.example", now, new byte[64]));
        assertThat(FederationSignatures.signatureInput(discovery)).isEqualTo(Bytes.concat(
                ascii("norc:f-discovery:v1"), FederationSignatures.canonWithoutSignature(discovery)));
        assertThat(FederationSignatures.verifyServerDiscovery(A_PUBLIC, discovery)).isTrue();
        assertThat(FederationSignatures.verifyServerDiscovery(A_PUBLIC, flip(discovery, "timestamp"))).isFalse();

        TrustCapability capability = FederationSignatures.signTrustCapability(A_SECRET, new TrustCapability("a.example",
                List.of("2.0"), List.of(TrustLevel.BASIC, TrustLevel.VERIFIED), List.of(ValidationMethod.DNS), now, new byte[64]));
        assertThat(FederationSignatures.signatureInput(capability)).isEqualTo(Bytes.concat(
                ascii("norc:t-capability:v1"), FederationSignatures.canonWithoutSignature(capability)));
        assertThat(FederationSignatures.verifyTrustCapability(A_PUBLIC, capability)).isTrue();
        assertThat(FederationSignatures.verifyTrustCapability(A_PUBLIC, flip(capability, "timestamp"))).isFalse();

        TrustRevoke revoke = FederationSignatures.signTrustRevoke(B_SECRET, new TrustRevoke("b.example", "a.example",
                TrustRevocationReason.POLICY, now, Optional.empty(), new byte[64]));
        assertThat(FederationSignatures.signatureInput(revoke)).isEqualTo(Bytes.concat(
                ascii("norc:t-revoke:v1"), FederationSignatures.canonWithoutSignature(revoke)));
        assertThat(FederationSignatures.verifyTrustRevoke(B_PUBLIC, revoke)).isTrue();
        assertThat(FederationSignatures.verifyTrustRevoke(B_PUBLIC, flip(revoke, "effective_date"))).isFalse();
        assertThat(FederationSignatures.verifyTrustRevoke(A_PUBLIC, revoke)).isFalse();

        assertThat(canonJsonRoundTrip(discovery)).isEqualTo(FederationSignatures.canon(discovery));
        assertThat(canonJsonRoundTrip(capability)).isEqualTo(FederationSignatures.canon(capability));
        assertThat(canonJsonRoundTrip(revoke)).isEqualTo(FederationSignatures.canon(revoke));
    }

    static Stream<Arguments> canons() {
        JsonNode relay = section("f_relay");
        JsonNode trust = section("t_trust");
        return Stream.of(
                Arguments.of("f_server_info", hex(section("f_server_info"), "canon")),
                Arguments.of("f_hello.hello", hex(section("f_hello").get("hello"), "canon")),
                Arguments.of("f_hello.response", hex(section("f_hello").get("response"), "canon")),
                Arguments.of("f_relay.payload_message_send", hex(relay.get("payload_message_send"), "canon")),
                Arguments.of("f_relay.relay", hex(relay.get("relay"), "canon")),
                Arguments.of("f_relay.relay route_signature_canon", hex(relay.get("relay"), "route_signature_canon")),
                Arguments.of("f_relay.delivery_ack", hex(relay.get("delivery_ack"), "canon")),
                Arguments.of("t_trust.trust_request", hex(trust.get("trust_request"), "canon")),
                Arguments.of("t_trust.trust_challenge", hex(trust.get("trust_challenge"), "canon")),
                Arguments.of("t_trust.trust_response", hex(trust.get("trust_response"), "canon")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("canons")
    void canonDecodesStrictlyAndReencodesIdentically(String name, byte[] canon) {
        NorcMessage decoded = BINARY.decodeMessage(canon);
        assertThat(Bytes.hex(FederationSignatures.canon(decoded))).isEqualTo(Bytes.hex(canon));
        assertThat(Bytes.hex(canonJsonRoundTrip(decoded))).as("binary canon after a JSON round trip").isEqualTo(Bytes.hex(canon));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * Builds the vector's record and checks, byte for byte: the canon without signature, the
     * signature input, the signature, the full canon; that it verifies under the signer's key and
     * that a one-bit flip of each of {@code signedFields} or of the signature does not.
     */
    static <M extends NorcMessage> M checkSigned(JsonNode v, byte[] secret, Scheme<M> scheme, String... signedFields) {
        byte[] publicKey = Ed25519.publicKeyOf(secret);
        assertHex(publicKey, v, "signer_public_key");
        M given = record(scheme.type(), v.get("fields"));
        assertHex(FederationSignatures.canonWithoutSignature(given), v, "canon_without_signature");
        assertHex(scheme.input().apply(given), v, "signature_input");

        M signed = scheme.sign().apply(secret, flip(given, FederationSignatures.SIGNATURE_FIELD));
        assertHex(signatureOf(signed), v, "signature");
        assertHex(signatureOf(given), v, "signature");
        assertHex(FederationSignatures.canon(signed), v, "canon");
        assertHex(FederationSignatures.canon(given), v, "canon");
        assertThat(scheme.verify().test(publicKey, signed)).as("verifies").isTrue();
        assertThat(scheme.verify().test(publicKey, given)).as("the vector's own record verifies").isTrue();

        for (String field : Stream.concat(Stream.of(signedFields), Stream.of(FederationSignatures.SIGNATURE_FIELD)).toList()) {
            assertThat(scheme.verify().test(publicKey, flip(signed, field))).as("one bit of %s flipped", field).isFalse();
        }
        M decoded = scheme.type().cast(BINARY.decodeMessage(hex(v, "canon")));
        assertThat(scheme.verify().test(publicKey, decoded)).as("decoded from the vector's canon").isTrue();
        return signed;
    }

    static byte[] canonJsonRoundTrip(NorcMessage message) {
        return FederationSignatures.canon(JSON.decodeMessage(JSON.encodeMessage(message)));
    }

    static byte[] signatureOf(NorcMessage message) {
        return (byte[]) message.messageType().schema().field(FederationSignatures.SIGNATURE_FIELD).read((Record) message);
    }

    /**
     * A copy of {@code value} with one bit of the field at {@code path} (dotted into nested records)
     * flipped: the low bit of a number, a uuid's last byte or the first byte of bytes; a bool
     * negated; an enum atom moved to the next constant; a string's last character's low bit.
     */
    @SuppressWarnings("unchecked")
    static <T> T flip(T value, String path) {
        RecordSchema schema = RecordSchema.of(value.getClass().asSubclass(Record.class));
        int dot = path.indexOf('.');
        String name = dot < 0 ? path : path.substring(0, dot);
        List<FieldSchema> fields = schema.fields();
        assertThat(schema.field(name)).as("%s has a field %s", schema.tableName(), name).isNotNull();
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            Object v = fields.get(i).read((Record) value);
            values[i] = !fields.get(i).name().equals(name) ? v : dot < 0 ? flipped(v) : flip((Record) v, path.substring(dot + 1));
        }
        return (T) schema.construct(values);
    }

    private static Object flipped(Object v) {
        if (v instanceof byte[] b) {
            return flipBit(b);
        }
        if (v instanceof Long l) {
            return l ^ 1;
        }
        if (v instanceof Integer i) {
            return i ^ 1;
        }
        if (v instanceof Boolean b) {
            return !b;
        }
        if (v instanceof UUID u) {
            return new UUID(u.getMostSignificantBits(), u.getLeastSignificantBits() ^ 1);
        }
        if (v instanceof String s) {
            return s.substring(0, s.length() - 1) + (char) (s.charAt(s.length() - 1) ^ 1);
        }
        if (v instanceof Enum<?> e) {
            Object[] constants = e.getDeclaringClass().getEnumConstants();
            return constants[(e.ordinal() + 1) % constants.length];
        }
        throw new IllegalArgumentException("cannot flip a " + v.getClass());
    }

    static byte[] flipBit(byte[] b) {
        byte[] copy = b.clone();
        copy[0] ^= 1;
        return copy;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static void assertHex(byte[] actual, JsonNode vector, String member) {
        assertThat(Bytes.hex(actual)).as(member).isEqualTo(vector.get(member).asText());
    }

    private static Scheme<FederationHello> helloScheme(byte[] cb) {
        return new Scheme<>(FederationHello.class, m -> FederationSignatures.signatureInput(cb, m),
                (sk, m) -> FederationSignatures.signHello(sk, cb, m), (pk, m) -> FederationSignatures.verifyHello(pk, cb, m));
    }
}
