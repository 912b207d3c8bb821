package norc.session;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import norc.crypto.Bytes;
import norc.crypto.CipherSuite;
import norc.crypto.MlKem768;
import norc.crypto.X25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.VersionNegotiation;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.ConnectionRequest;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;

/**
 * The client side of the NORC-C handshake (profile §3). {@link #start} builds the
 * {@code connection_request}; {@link #finish} checks the server's answer (canonical bytes,
 * downgrade of version or suite, identity signature over the transcript, optional key pinning) and
 * derives the session keys. One instance per connection attempt; its ephemeral secrets are zeroed
 * when it finishes.
 */
public final class ClientHandshake {

    /** What the client offers, each list in preference order. */
    public record Offer(List<String> versions, List<CipherSuite> suites, List<String> capabilities) {
        public Offer {
            versions = List.copyOf(versions);
            suites = List.copyOf(suites);
            capabilities = List.copyOf(capabilities);
        }

        /** Native 2.0 (with 1.x fallback), hybrid PQ preferred. */
        public static Offer defaults() {
            return new Offer(List.of("2.0", "1.2", "1.1", "1.0"), List.of(CipherSuite.S0101, CipherSuite.S0001),
                    List.of("e2ee", "messaging", SessionKeys.TK_UPDATE, SessionKeys.KEY_ROTATION, SessionKeys.GROUPS, SessionKeys.FILES));
        }
    }

    private final Offer offer;
    private final Codec codec;
    private final ConnectionRequest request;
    private final byte[] requestBytes;
    private final byte[] ephemeralSecret;
    private final MlKem768.KeyPair pqKeys;
    private boolean finished;

    private ClientHandshake(Offer offer, Codec codec, X25519.KeyPair ephemeral, byte[] clientNonce, MlKem768.KeyPair pqKeys) {
        this.offer = offer;
        this.codec = codec;
        this.ephemeralSecret = ephemeral.secretKey();
        this.pqKeys = pqKeys;
        this.request = new ConnectionRequest(offer.versions(), offer.versions().get(0), offer.capabilities(),
                offer.suites().stream().map(CipherSuite::code).toList(), clientNonce,
                ephemeral.publicKey(),
                pqKeys == null ? Optional.empty() : Optional.of(pqKeys.encapsulationKey()));
        this.requestBytes = codec.encodeMessage(request);
    }

    public static ClientHandshake start(Offer offer, Codec codec, SecureRandom random) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        MlKem768.KeyPair pq = offer.suites().contains(CipherSuite.S0101) ? MlKem768.generate(random) : null;
        return new ClientHandshake(offer, codec, X25519.generate(random), nonce, pq);
    }

    /** A handshake with fixed ephemeral values, for vectors and reproducible tests. */
    public static ClientHandshake withEphemeral(Offer offer, Codec codec, byte[] ephemeralSecret, byte[] clientNonce,
                                                MlKem768.KeyPair pqKeys) {
        byte[] secret = ephemeralSecret.clone();
        return new ClientHandshake(offer, codec, new X25519.KeyPair(secret, X25519.publicKeyOf(secret)), clientNonce, pqKeys);
    }

    public ConnectionRequest request() {
        return request;
    }

    /** {@code canon(connection_request)}: the WebSocket message to send. */
    public byte[] requestBytes() {
        return requestBytes.clone();
    }

    /**
     * Completes the handshake from the server's answer.
     *
     * @param pinnedServerKey the server identity key the client expects, or {@code null} to accept
     *     any and let the caller pin {@link SessionKeys#serverPublicKey()} on first use
     * @throws NorcException the server's own error code if it answered {@code error};
     *     {@code DOWNGRADE_DETECTED}, {@code INVALID_SIGNATURE}, {@code AUTHENTICATION_FAILED}
     *     (pin mismatch), {@code WEAK_KEY}, or a decode error otherwise
     */
    public SessionKeys finish(byte[] acceptedBytes, byte[] pinnedServerKey) {
        if (finished) {
            throw new IllegalStateException("handshake already finished");
        }
        finished = true;
        try {
            NorcMessage decoded = codec.decodeMessage(acceptedBytes);
            if (decoded instanceof ErrorMessage error) {
                ErrorCode code = ErrorCode.ofCode(error.errorCode());
                throw new NorcException(code == null ? ErrorCode.INTERNAL : code, "server refused the handshake");
            }
            if (!(decoded instanceof ConnectionAccepted accepted)) {
                throw new NorcException(ErrorCode.UNEXPECTED_MESSAGE, "expected connection_accepted");
            }
            return complete(accepted, pinnedServerKey);
        } finally {
            Arrays.fill(ephemeralSecret, (byte) 0);
        }
    }

    private SessionKeys complete(ConnectionAccepted accepted, byte[] pinnedServerKey) {
        ProtocolVersion negotiated = ProtocolVersion.parse(accepted.negotiatedVersion());
        ProtocolVersion expected = VersionNegotiation.negotiate(offer.versions(), accepted.serverVersions());
        if (!negotiated.equals(expected)) {
            throw new NorcException(ErrorCode.DOWNGRADE_DETECTED, "negotiated version is not the highest mutual one");
        }
        ProtocolVersion serverHighest = VersionNegotiation.negotiate(accepted.serverVersions(), accepted.serverVersions());
        if (accepted.compatibilityMode() != VersionNegotiation.compatibilityMode(negotiated, serverHighest)) {
            throw new NorcException(ErrorCode.DOWNGRADE_DETECTED, "compatibility flag inconsistent");
        }
        List<String> offered = offer.suites().stream().map(CipherSuite::code).toList();
        String expectedSuite = HandshakePolicy.expectedSuite(accepted.serverSuites(), offered, negotiated);
        if (!accepted.cipherSuite().equals(expectedSuite)) {
            throw new NorcException(ErrorCode.DOWNGRADE_DETECTED, "cipher suite is not the preferred mutual one");
        }
        CipherSuite suite = CipherSuite.fromCode(accepted.cipherSuite());
        if (suite == null || suite == CipherSuite.S0002) {
            throw new NorcException(ErrorCode.NO_COMPATIBLE_SUITE, "unsupported suite selected");
        }
        if (accepted.pqCiphertext().isPresent() != suite.hybridPq()) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "pq_ciphertext must be present iff suite 0101");
        }
        if (pinnedServerKey != null && !MessageDigest.isEqual(pinnedServerKey, accepted.serverPublicKey())) {
            throw new NorcException(ErrorCode.AUTHENTICATION_FAILED, "server identity key does not match the pin");
        }
        byte[] th = KeySchedule.transcriptHash(requestBytes,
                codec.encodeMessageWithout(accepted, ConnectionAccepted.SIGNATURE_FIELD));
        if (!KeySchedule.verifyServerHello(accepted.serverPublicKey(), accepted.serverSignature(), th)) {
            throw new NorcException(ErrorCode.INVALID_SIGNATURE, "server signature over the transcript");
        }
        byte[] sharedSecret = X25519.agree(ephemeralSecret, accepted.ephemeralPublicKey());
        if (suite.hybridPq()) {
            byte[] pqSecret = MlKem768.decapsulate(pqKeys.decapsulationKey(), accepted.pqCiphertext().get());
            sharedSecret = Bytes.concat(sharedSecret, pqSecret);
            Arrays.fill(pqSecret, (byte) 0);
        }
        byte[] masterSecret = KeySchedule.masterSecret(sharedSecret, request.clientNonce(), accepted.serverNonce(),
                negotiated, suite, th);
        SessionKeys keys = new SessionKeys(negotiated, suite, accepted.compatibilityMode(), accepted.sessionId(),
                accepted.serverId(), accepted.serverPublicKey(), th,
                KeySchedule.clientToServerKey(masterSecret), KeySchedule.serverToClientKey(masterSecret),
                SessionKeys.negotiated(request.capabilities(), accepted.serverCapabilities()));
        Arrays.fill(sharedSecret, (byte) 0);
        Arrays.fill(masterSecret, (byte) 0);
        return keys;
    }
}
