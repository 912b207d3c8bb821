package norc.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.ConnectionRequest;
import norc.wire.message.ErrorMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.Atoms.PresenceStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both sides of the NORC-C handshake against each other: suites, versions, downgrades, pins. */
class HandshakeTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final Ed25519.KeyPair SERVER_KEY = Ed25519.generate(RANDOM);
    static final List<ProtocolVersion> ALL = List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2),
            new ProtocolVersion(1, 1), new ProtocolVersion(1, 0));

    static ServerHandshake.Config server(List<ProtocolVersion> versions, List<CipherSuite> suites) {
        return new ServerHandshake.Config(versions, suites, List.of("e2ee", "messaging"),
                new ServerHandshake.Identity("a.example", SERVER_KEY.secretKey(), SERVER_KEY.publicKey()));
    }

    static ClientHandshake.Offer offer(List<String> versions, List<CipherSuite> suites) {
        return new ClientHandshake.Offer(versions, suites, List.of("messaging"));
    }

    static void assertCode(Runnable action, ErrorCode code) {
        assertThatThrownBy(action::run).isInstanceOfSatisfying(NorcException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void hybridSuiteIsPreferredAndBothSidesAgreeOnKeys(WireEncoding encoding) {
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        assertThat(client.request().pqPublicKey()).isPresent();
        ServerHandshake.Result server = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0101, CipherSuite.S0001)),
                codec, client.requestBytes(), RANDOM);
        SessionKeys clientKeys = client.finish(server.acceptedBytes(), SERVER_KEY.publicKey());
        assertThat(clientKeys.suite()).isEqualTo(CipherSuite.S0101);
        assertThat(server.accepted().pqCiphertext()).isPresent();
        assertThat(clientKeys.clientToServer()).isEqualTo(server.keys().clientToServer());
        assertThat(clientKeys.serverToClient()).isEqualTo(server.keys().serverToClient());
        assertThat(clientKeys.transcriptHash()).isEqualTo(server.keys().transcriptHash());
        assertThat(clientKeys.clientToServer()).isNotEqualTo(clientKeys.serverToClient());

        // and the keys carry traffic both ways
        SendSession up = new SendSession(clientKeys, codec, true, 7);
        ReceiveSession serverIn = new ReceiveSession(server.keys(), codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        PresenceUpdate update = new PresenceUpdate(PresenceStatus.AWAY, Optional.empty(), List.of(), 1, Optional.empty());
        assertThat(serverIn.open(up.seal(update))).isInstanceOf(ReceiveSession.Accepted.class);
        SendSession down = new SendSession(server.keys(), codec, false, 9);
        ReceiveSession clientIn = new ReceiveSession(clientKeys, codec, false, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        assertThat(clientIn.open(down.seal(update))).isInstanceOf(ReceiveSession.Accepted.class);
    }

    @Test
    void classicSuiteWhenTheServerPrefersIt() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        ServerHandshake.Result server = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001, CipherSuite.S0101)),
                codec, client.requestBytes(), RANDOM);
        assertThat(client.finish(server.acceptedBytes(), null).suite()).isEqualTo(CipherSuite.S0001);
        assertThat(server.accepted().pqCiphertext()).isEmpty();
    }

    @Test
    void legacyServerNegotiatesCompatibilityModeWithoutThePqSuite() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        ServerHandshake.Result server = ServerHandshake.respond(
                server(List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2)), List.of(CipherSuite.S0101, CipherSuite.S0001)),
                codec, ClientHandshake.start(offer(List.of("1.2", "1.1"), List.of(CipherSuite.S0101, CipherSuite.S0001)), codec, RANDOM)
                        .requestBytes(), RANDOM);
        assertThat(server.keys().version()).isEqualTo(new ProtocolVersion(1, 2));
        assertThat(server.keys().compatibilityMode()).isTrue();
        assertThat(server.keys().suite()).isEqualTo(CipherSuite.S0001);
        assertThat(client).isNotNull();
    }

    @Test
    void noCompatibleVersion() {
        Codec codec = WireEncoding.JSON.codec(WireLimits.DEFAULT);
        byte[] request = ClientHandshake.start(offer(List.of("3.0"), List.of(CipherSuite.S0001)), codec, RANDOM).requestBytes();
        assertCode(() -> ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec, request, RANDOM),
                ErrorCode.NO_COMPATIBLE_VERSION);
    }

    @Test
    void noCompatibleSuite() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        byte[] request = ClientHandshake.start(offer(List.of("2.0"), List.of(CipherSuite.S0101)), codec, RANDOM).requestBytes();
        assertCode(() -> ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec, request, RANDOM),
                ErrorCode.NO_COMPATIBLE_SUITE);
    }

    @Test
    void pqKeyMustMatchTheOfferedSuites() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ConnectionRequest honest = ClientHandshake.start(offer(List.of("2.0"), List.of(CipherSuite.S0001)), codec, RANDOM).request();
        ConnectionRequest odd = new ConnectionRequest(honest.clientVersions(), honest.preferredVersion(), honest.capabilities(),
                List.of("0101", "0001"), honest.clientNonce(), honest.ephemeralPublicKey(), Optional.empty());
        assertCode(() -> ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec, codec.encodeMessage(odd), RANDOM),
                ErrorCode.INVALID_FIELD);
    }

    @Test
    void anAllZeroSharedSecretIsRefused() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ConnectionRequest honest = ClientHandshake.start(offer(List.of("2.0"), List.of(CipherSuite.S0001)), codec, RANDOM).request();
        ConnectionRequest lowOrder = new ConnectionRequest(honest.clientVersions(), honest.preferredVersion(),
                honest.capabilities(), honest.cipherSuites(), honest.clientNonce(), new byte[32], Optional.empty());
        assertCode(() -> ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec, codec.encodeMessage(lowOrder), RANDOM),
                ErrorCode.WEAK_KEY);
    }

    @Test
    void aStrippedVersionListIsCaughtAsDowngrade() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(offer(List.of("2.0", "1.2"), List.of(CipherSuite.S0001)), codec, RANDOM);
        ConnectionRequest original = client.request();
        ConnectionRequest stripped = new ConnectionRequest(List.of("1.2"), "1.2", original.capabilities(),
                original.cipherSuites(), original.clientNonce(), original.ephemeralPublicKey(), original.pqPublicKey());
        ServerHandshake.Result server = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec,
                codec.encodeMessage(stripped), RANDOM);
        assertThat(server.keys().version()).isEqualTo(new ProtocolVersion(1, 2));
        // the server still advertises 2.0, so the client's max(mutual) exposes the downgrade
        assertCode(() -> client.finish(server.acceptedBytes(), SERVER_KEY.publicKey()), ErrorCode.DOWNGRADE_DETECTED);
    }

    @Test
    void aMitmThatAlsoRewritesTheServerListBreaksTheSignature() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(offer(List.of("2.0", "1.2"), List.of(CipherSuite.S0001)), codec, RANDOM);
        ConnectionRequest original = client.request();
        ConnectionRequest stripped = new ConnectionRequest(List.of("1.2"), "1.2", original.capabilities(),
                original.cipherSuites(), original.clientNonce(), original.ephemeralPublicKey(), original.pqPublicKey());
        ConnectionAccepted a = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec,
                codec.encodeMessage(stripped), RANDOM).accepted();
        ConnectionAccepted rewritten = new ConnectionAccepted(a.negotiatedVersion(), List.of("1.2"), a.serverCapabilities(),
                false, a.cipherSuite(), a.serverSuites(), a.serverNonce(), a.ephemeralPublicKey(), a.pqCiphertext(),
                a.sessionId(), a.serverId(), a.serverPublicKey(), a.serverSignature());
        assertCode(() -> client.finish(codec.encodeMessage(rewritten), SERVER_KEY.publicKey()), ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void aServerThatPicksALowerVersionIsCaughtAsDowngrade() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(offer(List.of("2.0", "1.2"), List.of(CipherSuite.S0001)), codec, RANDOM);
        ServerHandshake.Result honest = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec,
                client.requestBytes(), RANDOM);
        ConnectionAccepted a = honest.accepted();
        ConnectionAccepted lowered = resign(client, new ConnectionAccepted("1.2", a.serverVersions(), a.serverCapabilities(),
                true, a.cipherSuite(), a.serverSuites(), a.serverNonce(), a.ephemeralPublicKey(), a.pqCiphertext(),
                a.sessionId(), a.serverId(), a.serverPublicKey(), new byte[64]), codec);
        assertCode(() -> client.finish(codec.encodeMessage(lowered), null), ErrorCode.DOWNGRADE_DETECTED);
    }

    @Test
    void aServerThatPicksAWeakerSuiteIsCaughtAsDowngrade() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        ServerHandshake.Result honest = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec,
                client.requestBytes(), RANDOM);
        ConnectionAccepted a = honest.accepted();
        // claims to prefer 0101 but selected 0001
        ConnectionAccepted weaker = resign(client, new ConnectionAccepted(a.negotiatedVersion(), a.serverVersions(),
                a.serverCapabilities(), a.compatibilityMode(), "0001", List.of("0101", "0001"), a.serverNonce(),
                a.ephemeralPublicKey(), Optional.empty(), a.sessionId(), a.serverId(), a.serverPublicKey(), new byte[64]), codec);
        assertCode(() -> client.finish(codec.encodeMessage(weaker), null), ErrorCode.DOWNGRADE_DETECTED);
    }

    @Test
    void aPinnedServerKeyMustMatch() {
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        ServerHandshake.Result server = ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec,
                client.requestBytes(), RANDOM);
        assertCode(() -> client.finish(server.acceptedBytes(), Ed25519.generate(RANDOM).publicKey()),
                ErrorCode.AUTHENTICATION_FAILED);
    }

    @Test
    void aServerErrorSurfacesWithItsCode() {
        Codec codec = WireEncoding.JSON.codec(WireLimits.DEFAULT);
        ClientHandshake client = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM);
        byte[] error = codec.encodeMessage(ErrorMessage.of(ErrorCode.NO_COMPATIBLE_VERSION));
        assertCode(() -> client.finish(error, null), ErrorCode.NO_COMPATIBLE_VERSION);
    }

    @Test
    void nonCanonicalRequestBytesAreRejected() {
        Codec codec = WireEncoding.JSON.codec(WireLimits.DEFAULT);
        byte[] request = ClientHandshake.start(ClientHandshake.Offer.defaults(), codec, RANDOM).requestBytes();
        byte[] spaced = (" " + new String(request, java.nio.charset.StandardCharsets.UTF_8))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertCode(() -> ServerHandshake.respond(server(ALL, List.of(CipherSuite.S0001)), codec, spaced, RANDOM),
                ErrorCode.NON_CANONICAL);
    }

    /** Signs a forged answer with the real server key, i.e. a server that misbehaves on purpose. */
    private static ConnectionAccepted resign(ClientHandshake client, ConnectionAccepted forged, Codec codec) {
        byte[] th = KeySchedule.transcriptHash(client.requestBytes(),
                codec.encodeMessageWithout(forged, ConnectionAccepted.SIGNATURE_FIELD));
        byte[] sig = KeySchedule.signServerHello(SERVER_KEY.secretKey(), th);
        return new ConnectionAccepted(forged.negotiatedVersion(), forged.serverVersions(), forged.serverCapabilities(),
                forged.compatibilityMode(), forged.cipherSuite(), forged.serverSuites(), forged.serverNonce(),
                forged.ephemeralPublicKey(), forged.pqCiphertext(), forged.sessionId(), forged.serverId(),
                forged.serverPublicKey(), sig);
    }
}
