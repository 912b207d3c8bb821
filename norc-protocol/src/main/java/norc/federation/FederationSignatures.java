package norc.federation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.wire.BinaryCodec;
import norc.wire.WireLimits;
import norc.wire.message.DeliveryAck;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.MessageRelay;
import norc.wire.message.MessageRelay.RelayMetadata;
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

/**
 * The signatures of NORC-F and NORC-T (federation profile §4) and the values they bind: the channel
 * binding {@code cb} and certificate fingerprints (§0), the handshake transcript {@code th} (§3),
 * and the NORC-T key id and DNS proof (§6.1).
 *
 * <p>Every signature is {@code Ed25519(identity sk, label || data)}, pure RFC 8032 with the label
 * prepended and no separator, verified strictly as on NORC-C. {@code canon(m)} is always the binary
 * {@code u8(native type) || payload}, whatever encoding carried {@code m} (a JSON body is decoded and
 * re-encoded): these signatures are cached, kept as evidence and re-served, so they must not depend
 * on the encoding (§0). {@code signX} returns a copy of the record with its signature set, whatever
 * it held; {@code verifyX} returns whether the record's signature is {@code publicKey}'s and never
 * throws for a bad key or signature. {@code key_request}/{@code key_response} are not signed (§4).
 */
public final class FederationSignatures {
    /** Labels of the §4 table. */
    public static final String HELLO_LABEL = "norc:f-hello:v1";
    public static final String HELLO_RESPONSE_LABEL = "norc:f-hello-response:v1";
    public static final String RELAY_LABEL = "norc:f-relay:v1";
    public static final String DELIVERY_ACK_LABEL = "norc:f-delivery-ack:v1";
    public static final String DISCOVERY_LABEL = "norc:f-discovery:v1";
    public static final String SERVER_INFO_LABEL = "norc:f-server-info:v1";
    public static final String TRUST_CAPABILITY_LABEL = "norc:t-capability:v1";
    public static final String TRUST_REQUEST_LABEL = "norc:t-request:v1";
    public static final String TRUST_CHALLENGE_LABEL = "norc:t-challenge:v1";
    public static final String TRUST_REVOKE_LABEL = "norc:t-revoke:v1";
    public static final String TRUST_RESPONSE_LABEL = "norc:t-response:v1";

    /** The prefix of the link transcript hash {@code th} (§3). */
    public static final String TRANSCRIPT_LABEL = "norc-f-handshake-v1";
    /** The prefix hashed into a NORC-T {@code key_id} (§6.1, manual). */
    public static final String KEY_ID_LABEL = "norc:t-keyid:v1";
    /** The prefix hashed into the DNS proof (§6.1, dns). */
    public static final String DNS_LABEL = "norc:t-dns:v1";
    /** The TXT record name is this prefix and the requesting server's id (§6.1, dns). */
    public static final String DNS_TXT_NAME_PREFIX = "_norc-trust.";
    /** The TXT record value is this prefix and the proof (§6.1, dns). */
    public static final String DNS_TXT_VALUE_PREFIX = "norc-trust-v1=";

    /** The field every signed NORC-F/T record, except {@code message_relay}, calls its signature. */
    public static final String SIGNATURE_FIELD = "signature";

    /** Encoding needs no limits; decoding is the receiver's business, under its own limits. */
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private FederationSignatures() {
    }

    // ---- canonical forms (§0) -------------------------------------------------------------

    /** {@code canon(m) = u8(native type) || binary payload} (§0). */
    public static byte[] canon(NorcMessage message) {
        return BINARY.encodeMessage(message);
    }

    /** {@code canon(m \ signature)} (§0). */
    public static byte[] canonWithoutSignature(NorcMessage message) {
        return BINARY.encodeMessageWithout(message, SIGNATURE_FIELD);
    }

    /**
     * {@code canon(m[metadata.hop_count := 0, metadata.route_signature := 0^64])} (§4): the zeroed
     * signature keeps its {@code u32(64)} prefix, so this is as long as {@code canon(m)}.
     */
    public static byte[] routeCanon(MessageRelay relay) {
        return canon(withRouteSignature(relay, 0, new byte[Ed25519.SIGNATURE_LENGTH]));
    }

    /** {@code th = B3("norc-f-handshake-v1" || canon(hello) || canon(response \ signature))} (§3). */
    public static byte[] transcriptHash(FederationHello hello, FederationHelloResponse response) {
        return Blake3.hash(ascii(TRANSCRIPT_LABEL), canon(hello), canonWithoutSignature(response));
    }

    // ---- signature inputs: label || data of the §4 table ----------------------------------

    public static byte[] signatureInput(ServerInfo info) {
        return plain(SERVER_INFO_LABEL, info);
    }

    /** {@code "norc:f-hello:v1" || cb || canon(hello \ signature)}. */
    public static byte[] signatureInput(byte[] channelBinding, FederationHello hello) {
        return Bytes.concat(ascii(HELLO_LABEL), requireBinding(channelBinding), canonWithoutSignature(hello));
    }

    /** {@code "norc:f-hello-response:v1" || cb || th}. */
    public static byte[] signatureInput(byte[] channelBinding, FederationHello hello, FederationHelloResponse response) {
        return Bytes.concat(ascii(HELLO_RESPONSE_LABEL), requireBinding(channelBinding), transcriptHash(hello, response));
    }

    /** {@code "norc:f-relay:v1" || routeCanon(relay)}: everything the origin wrote except {@code hop_count}. */
    public static byte[] signatureInput(MessageRelay relay) {
        return Bytes.concat(ascii(RELAY_LABEL), routeCanon(relay));
    }

    public static byte[] signatureInput(DeliveryAck ack) {
        return plain(DELIVERY_ACK_LABEL, ack);
    }

    public static byte[] signatureInput(ServerDiscovery discovery) {
        return plain(DISCOVERY_LABEL, discovery);
    }

    public static byte[] signatureInput(TrustCapability capability) {
        return plain(TRUST_CAPABILITY_LABEL, capability);
    }

    public static byte[] signatureInput(TrustRequest request) {
        return plain(TRUST_REQUEST_LABEL, request);
    }

    public static byte[] signatureInput(TrustChallenge challenge) {
        return plain(TRUST_CHALLENGE_LABEL, challenge);
    }

    public static byte[] signatureInput(TrustRevoke revoke) {
        return plain(TRUST_REVOKE_LABEL, revoke);
    }

    /** {@code "norc:t-response:v1" || challenge_data || canon(response \ signature)}: the raw 32 bytes, no prefix. */
    public static byte[] signatureInput(byte[] challengeData, TrustResponse response) {
        return Bytes.concat(ascii(TRUST_RESPONSE_LABEL), challengeData, canonWithoutSignature(response));
    }

    // ---- signing and verification ---------------------------------------------------------

    /** {@code server_info}, signed by its own {@code public_key} (§2). */
    public static ServerInfo signServerInfo(byte[] secretKey, ServerInfo info) {
        return withSignature(info, Ed25519.sign(secretKey, signatureInput(info)));
    }

    public static boolean verifyServerInfo(byte[] publicKey, ServerInfo info) {
        return Ed25519.verify(publicKey, info.signature(), signatureInput(info));
    }

    /** {@code federation_hello} on the connection whose certificates give {@code channelBinding} (§3 step 1). */
    public static FederationHello signHello(byte[] secretKey, byte[] channelBinding, FederationHello hello) {
        return withSignature(hello, Ed25519.sign(secretKey, signatureInput(channelBinding, hello)));
    }

    public static boolean verifyHello(byte[] publicKey, byte[] channelBinding, FederationHello hello) {
        return Ed25519.verify(publicKey, hello.signature(), signatureInput(channelBinding, hello));
    }

    /** The answer to {@code hello} (signed, as received), over the whole transcript (§3 step 3). */
    public static FederationHelloResponse signHelloResponse(byte[] secretKey, byte[] channelBinding, FederationHello hello,
                                                            FederationHelloResponse response) {
        return withSignature(response, Ed25519.sign(secretKey, signatureInput(channelBinding, hello, response)));
    }

    public static boolean verifyHelloResponse(byte[] publicKey, byte[] channelBinding, FederationHello hello,
                                              FederationHelloResponse response) {
        return Ed25519.verify(publicKey, response.signature(), signatureInput(channelBinding, hello, response));
    }

    /** Sets {@code metadata.route_signature}; {@code hop_count} is left as it is and not covered (§4). */
    public static MessageRelay signRelay(byte[] secretKey, MessageRelay relay) {
        return withRouteSignature(relay, relay.metadata().hopCount(), Ed25519.sign(secretKey, signatureInput(relay)));
    }

    public static boolean verifyRelay(byte[] publicKey, MessageRelay relay) {
        return Ed25519.verify(publicKey, relay.metadata().routeSignature(), signatureInput(relay));
    }

    public static DeliveryAck signDeliveryAck(byte[] secretKey, DeliveryAck ack) {
        return withSignature(ack, Ed25519.sign(secretKey, signatureInput(ack)));
    }

    public static boolean verifyDeliveryAck(byte[] publicKey, DeliveryAck ack) {
        return Ed25519.verify(publicKey, ack.signature(), signatureInput(ack));
    }

    public static ServerDiscovery signServerDiscovery(byte[] secretKey, ServerDiscovery discovery) {
        return withSignature(discovery, Ed25519.sign(secretKey, signatureInput(discovery)));
    }

    public static boolean verifyServerDiscovery(byte[] publicKey, ServerDiscovery discovery) {
        return Ed25519.verify(publicKey, discovery.signature(), signatureInput(discovery));
    }

    public static TrustCapability signTrustCapability(byte[] secretKey, TrustCapability capability) {
        return withSignature(capability, Ed25519.sign(secretKey, signatureInput(capability)));
    }

    public static boolean verifyTrustCapability(byte[] publicKey, TrustCapability capability) {
        return Ed25519.verify(publicKey, capability.signature(), signatureInput(capability));
    }

    public static TrustRequest signTrustRequest(byte[] secretKey, TrustRequest request) {
        return withSignature(request, Ed25519.sign(secretKey, signatureInput(request)));
    }

    public static boolean verifyTrustRequest(byte[] publicKey, TrustRequest request) {
        return Ed25519.verify(publicKey, request.signature(), signatureInput(request));
    }

    public static TrustChallenge signTrustChallenge(byte[] secretKey, TrustChallenge challenge) {
        return withSignature(challenge, Ed25519.sign(secretKey, signatureInput(challenge)));
    }

    public static boolean verifyTrustChallenge(byte[] publicKey, TrustChallenge challenge) {
        return Ed25519.verify(publicKey, challenge.signature(), signatureInput(challenge));
    }

    public static TrustRevoke signTrustRevoke(byte[] secretKey, TrustRevoke revoke) {
        return withSignature(revoke, Ed25519.sign(secretKey, signatureInput(revoke)));
    }

    public static boolean verifyTrustRevoke(byte[] publicKey, TrustRevoke revoke) {
        return Ed25519.verify(publicKey, revoke.signature(), signatureInput(revoke));
    }

    /** The answer to the challenge whose {@code challenge_data} is given (§6.2 step 3). */
    public static TrustResponse signTrustResponse(byte[] secretKey, byte[] challengeData, TrustResponse response) {
        return withSignature(response, Ed25519.sign(secretKey, signatureInput(challengeData, response)));
    }

    public static boolean verifyTrustResponse(byte[] publicKey, byte[] challengeData, TrustResponse response) {
        return Ed25519.verify(publicKey, response.signature(), signatureInput(challengeData, response));
    }

    // ---- certificates, key ids, DNS proof -------------------------------------------------

    /** {@code fp(c) = SHA-256(DER of c)} (§0). */
    public static byte[] fingerprint(byte[] certificateDer) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificateDer);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** {@code cb = fp(TLS client certificate) || fp(TLS server certificate)} of one connection (§0). */
    public static byte[] channelBinding(byte[] clientCertificateDer, byte[] serverCertificateDer) {
        return Bytes.concat(fingerprint(clientCertificateDer), fingerprint(serverCertificateDer));
    }

    /** Lowercase hex of the first 16 bytes of {@code B3("norc:t-keyid:v1" || public_key)}, 32 characters (§6.1). */
    public static String keyId(byte[] publicKey) {
        return Bytes.hex(Arrays.copyOf(Blake3.hash(ascii(KEY_ID_LABEL), publicKey), 16));
    }

    /** {@code _norc-trust.<requesting_server>} (§6.1). */
    public static String dnsTxtName(String requestingServer) {
        return DNS_TXT_NAME_PREFIX + requestingServer;
    }

    /**
     * {@code "norc-trust-v1=" || base64url(B3("norc:t-dns:v1" || challenge_id || challenge_data ||
     * public_key))}, base64url without padding, the id as its 16 bytes, {@code publicKey} the
     * requesting server's identity key (§6.1).
     */
    public static String dnsTxtValue(UUID challengeId, byte[] challengeData, byte[] publicKey) {
        byte[] proof = Blake3.hash(ascii(DNS_LABEL), Bytes.uuidBytes(challengeId), challengeData, publicKey);
        return DNS_TXT_VALUE_PREFIX + BASE64URL.encodeToString(proof);
    }

    // ---- helpers --------------------------------------------------------------------------

    private static byte[] plain(String label, NorcMessage message) {
        return Bytes.concat(ascii(label), canonWithoutSignature(message));
    }

    private static byte[] ascii(String label) {
        return label.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] requireBinding(byte[] channelBinding) {
        if (channelBinding == null || channelBinding.length != 64) {
            throw new IllegalArgumentException("cb is two SHA-256 fingerprints, 64 bytes");
        }
        return channelBinding;
    }

    private static MessageRelay withRouteSignature(MessageRelay relay, int hopCount, byte[] routeSignature) {
        RelayMetadata m = relay.metadata();
        return new MessageRelay(relay.messageId(), relay.originServer(), relay.sequenceNumber(), relay.targetUsers(),
                relay.encryptedPayloads(), relay.classification(),
                new RelayMetadata(m.timestamp(), hopCount, m.expiresAt(), routeSignature));
    }

    /** A copy of {@code message} with its {@code signature} field replaced, built from its field table. */
    private static <M extends NorcMessage> M withSignature(M message, byte[] signature) {
        RecordSchema schema = message.messageType().schema();
        List<FieldSchema> fields = schema.fields();
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            FieldSchema field = fields.get(i);
            values[i] = field.name().equals(SIGNATURE_FIELD) ? signature : field.read((Record) message);
        }
        @SuppressWarnings("unchecked")
        M signed = (M) schema.construct(values);
        return signed;
    }
}
