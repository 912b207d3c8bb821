package norc.session;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
import norc.wire.message.NorcMessage;

/**
 * The server side of the NORC-C handshake (profile §3): reads the client's canonical
 * {@code connection_request}, negotiates version and suite, runs X25519 (and ML-KEM-768 for suite
 * 0101), signs the transcript with the server identity key, and derives the session keys.
 */
public final class ServerHandshake {

    /** The server's Ed25519 identity and its domain. */
    public record Identity(String serverId, byte[] secretKey, byte[] publicKey) {
        @Override
        public String toString() {
            return "Identity[" + serverId + "]";
        }
    }

    /**
     * What the server offers.
     *
     * @param versions supported versions, highest first (see {@link VersionNegotiation#validateSupported})
     * @param suites cipher suites in the server's preference order
     */
    public record Config(List<ProtocolVersion> versions, List<CipherSuite> suites, List<String> capabilities,
                         Identity identity) {
        public Config {
            versions = List.copyOf(versions);
            suites = List.copyOf(suites);
            capabilities = List.copyOf(capabilities);
            if (suites.contains(CipherSuite.S0002)) {
                throw new IllegalArgumentException("suite 0002 is not supported in the handshake; offer 0101 and/or 0001");
            }
            if (suites.isEmpty() || versions.isEmpty()) {
                throw new IllegalArgumentException("the handshake needs at least one version and one suite");
            }
        }
    }

    /** The per-connection random values; explicit so that tests can replay the vectors. */
    public record Ephemeral(X25519.KeyPair x25519, byte[] serverNonce, UUID sessionId) {
        public static Ephemeral random(SecureRandom random) {
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            return new Ephemeral(X25519.generate(random), nonce, UUID.randomUUID());
        }

        /** Fixed values (vectors, reproducible tests); derives the public key from the secret. */
        public static Ephemeral of(byte[] x25519Secret, byte[] serverNonce, UUID sessionId) {
            return new Ephemeral(new X25519.KeyPair(x25519Secret, X25519.publicKeyOf(x25519Secret)), serverNonce, sessionId);
        }

        @Override
        public String toString() {
            return "Ephemeral[session=" + sessionId + "]";
        }
    }

    /** The answer to send (as {@code acceptedBytes}) and the keys of the new session. */
    public record Result(ConnectionRequest request, ConnectionAccepted accepted, byte[] acceptedBytes, SessionKeys keys) {}

    private ServerHandshake() {}

    public static Result respond(Config config, Codec codec, byte[] requestBytes, SecureRandom random) {
        return respond(config, codec, requestBytes, Ephemeral.random(random), random);
    }

    /**
     * Answers one {@code connection_request}. Throws {@link NorcException}: {@code NO_COMPATIBLE_VERSION},
     * {@code NO_COMPATIBLE_SUITE}, {@code WEAK_KEY}, {@code UNEXPECTED_MESSAGE} for another message
     * type, {@code INVALID_FIELD} when the PQ key does not match the offered suites, or any decode
     * error for bytes that are not a canonical encoding.
     */
    public static Result respond(Config config, Codec codec, byte[] requestBytes, Ephemeral ephemeral,
                                 SecureRandom random) {
        NorcMessage decoded = codec.decodeMessage(requestBytes);
        if (!(decoded instanceof ConnectionRequest request)) {
            throw new NorcException(ErrorCode.UNEXPECTED_MESSAGE, "expected connection_request");
        }
        ProtocolVersion negotiated = VersionNegotiation.negotiate(request.clientVersions(), config.versions());
        CipherSuite suite = HandshakePolicy.selectSuite(config.suites(), request.cipherSuites(), negotiated);
        boolean pqOffered = request.cipherSuites().contains(CipherSuite.S0101.code());
        if (request.pqPublicKey().isPresent() != pqOffered) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "pq_public_key must be present iff 0101 is offered");
        }

        byte[] sharedSecret = X25519.agree(ephemeral.x25519().secretKey(), request.ephemeralPublicKey());
        Optional<byte[]> pqCiphertext = Optional.empty();
        if (suite.hybridPq()) {
            MlKem768.Encapsulation encapsulation = MlKem768.encapsulate(request.pqPublicKey().get(), random);
            pqCiphertext = Optional.of(encapsulation.ciphertext());
            sharedSecret = Bytes.concat(sharedSecret, encapsulation.sharedSecret());
        }

        ProtocolVersion nativeVersion = config.versions().get(0);
        ConnectionAccepted unsigned = new ConnectionAccepted(
                negotiated.toString(),
                config.versions().stream().map(ProtocolVersion::toString).toList(),
                config.capabilities(),
                VersionNegotiation.compatibilityMode(negotiated, nativeVersion),
                suite.code(),
                config.suites().stream().map(CipherSuite::code).toList(),
                ephemeral.serverNonce(),
                ephemeral.x25519().publicKey(),
                pqCiphertext,
                ephemeral.sessionId(),
                config.identity().serverId(),
                config.identity().publicKey(),
                new byte[64]);
        byte[] th = KeySchedule.transcriptHash(requestBytes,
                codec.encodeMessageWithout(unsigned, ConnectionAccepted.SIGNATURE_FIELD));
        ConnectionAccepted accepted = withSignature(unsigned, KeySchedule.signServerHello(config.identity().secretKey(), th));

        byte[] masterSecret = KeySchedule.masterSecret(sharedSecret, request.clientNonce(), ephemeral.serverNonce(),
                negotiated, suite, th);
        SessionKeys keys = new SessionKeys(negotiated, suite, accepted.compatibilityMode(), ephemeral.sessionId(),
                config.identity().serverId(), config.identity().publicKey(), th,
                KeySchedule.clientToServerKey(masterSecret), KeySchedule.serverToClientKey(masterSecret),
                SessionKeys.negotiated(request.capabilities(), config.capabilities()));
        Arrays.fill(sharedSecret, (byte) 0);
        Arrays.fill(masterSecret, (byte) 0);
        return new Result(request, accepted, codec.encodeMessage(accepted), keys);
    }

    private static ConnectionAccepted withSignature(ConnectionAccepted a, byte[] signature) {
        return new ConnectionAccepted(a.negotiatedVersion(), a.serverVersions(), a.serverCapabilities(),
                a.compatibilityMode(), a.cipherSuite(), a.serverSuites(), a.serverNonce(), a.ephemeralPublicKey(),
                a.pqCiphertext(), a.sessionId(), a.serverId(), a.serverPublicKey(), signature);
    }
}
