package norc.server.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.federation.FederationSignatures;
import norc.server.it.RawClient;
import norc.server.it.TestServer;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.DeliveryAck;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageRelay;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.ServerInfo;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real server, {@code b.localhost}, facing a hostile {@code a.localhost} built from the protocol
 * primitives alone (federation profile §1–§5): its own Ed25519 identity, its own self-signed
 * certificates, a tiny HTTP/2 mTLS endpoint serving only its hand-signed {@code server_info}, and
 * hand-built, hand-signed NORC-F messages that a real server would never send. Each refusal is
 * checked for the profile's HTTP status and {@code error_code} (in the request's content type,
 * binary and JSON) and for storing nothing: {@code bob@b.localhost}'s connected device receives
 * nothing but the correct relays. b is configured with a 64 KiB {@code max-message-size}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostilePeerIT {
    private static final String A = "a.localhost";
    private static final String B = "b.localhost";
    private static final String BOB = "bob@b.localhost";
    private static final String ALICE = "alice@a.localhost";
    private static final UUID ALICE_DEVICE = UUID.randomUUID();
    private static final int MAX_MESSAGE_SIZE = 64 * 1024;
    private static final Duration ANSWER = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] KEYSTORE_PASSWORD = "hostile".toCharArray();
    private static final ContentType.Binary BINARY_TYPE = ContentTypes.create(MediaTypes.customBinary("application", "norc", false));
    private static final ContentType JSON_TYPE = ContentTypes.create(MediaTypes.applicationWithFixedCharset("norc+json", HttpCharsets.UTF_8));
    private static final Codec BINARY = WireEncoding.BINARY.codec(new WireLimits(64 * 1024 * 1024, 4096, 1024 * 1024));
    private static final Codec JSON = WireEncoding.JSON.codec(new WireLimits(64 * 1024 * 1024, 4096, 1024 * 1024));

    /** A TLS identity of the test peer: a certificate and the NORC-F TLS built on it. */
    record Cert(X509Certificate certificate, FederationTls tls) {
        byte[] der() {
            return PeerDirectory.der(certificate);
        }
    }

    @TempDir
    static Path dir;

    final Ed25519.KeyPair identityA = Ed25519.generate(RANDOM);
    final Ed25519.KeyPair stranger = Ed25519.generate(RANDOM);
    Cert good;      // SAN a.localhost, listed in a's server_info: the one the link is on
    Cert spare;     // SAN a.localhost, listed, never sends a hello
    Cert unlisted;  // SAN a.localhost, not listed
    Cert foreign;   // SAN c.localhost
    int portA;
    int portB;
    ActorSystem<Void> system;
    ServerBinding endpointA;
    final AtomicInteger serverInfoFetches = new AtomicInteger();
    TestServer b;
    X509Certificate certificateB;
    RawClient bob;
    final BlockingQueue<MessageSend> bobReceives = new LinkedBlockingQueue<>();
    volatile boolean stopping;
    Thread bobReader;
    PeerClient link;
    final AtomicLong sequence = new AtomicLong(1_000_000);

    @BeforeAll
    void start() throws Exception {
        good = certificate(A);
        spare = certificate(A);
        unlisted = certificate(A);
        foreign = certificate("c.localhost");
        portA = freePort();
        portB = freePort();
        system = ActorSystem.create(Behaviors.empty(), "hostile-peer", ConfigFactory.parseString("""
                pekko.actor.provider = local
                pekko.http.server.enable-http2 = on
                pekko.http.server.parsing.ssl-session-attribute = on
                """).withFallback(ConfigFactory.load()));
        var settings = org.apache.pekko.http.javadsl.settings.ServerSettings.create(system.settings().config());
        endpointA = Http.get(system).newServerAt("127.0.0.1", portA)
                .enableHttps(ConnectionContext.httpsServer(good.tls()::serverEngine))
                .withSettings(settings)
                .bind(this::serveA)
                .toCompletableFuture().get(20, TimeUnit.SECONDS);
        b = TestServer.start(dir.resolve("b"), "norc.server-id = \"" + B + "\"\n"
                + "norc.federation.interface = \"127.0.0.1\"\n"
                + "norc.federation.port = " + portB + "\n"
                + "norc.federation.max-message-size = 64 KiB\n"
                + "norc.federation.peers-list = \"" + A + "@127.0.0.1:" + portA + "/" + Bytes.hex(identityA.publicKey()) + "/basic\"\n"
                + "norc.delivery.in-flight = 1024\n");
        bob = RawClient.registered(b, BOB);
        bobReader = new Thread(this::readBob, "bob-reader");
        bobReader.setDaemon(true);
        bobReader.start();

        link = open(good);
        ServerInfo infoB = link.serverInfo().toCompletableFuture().get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        assertThat(infoB.serverId()).isEqualTo(B);
        assertThat(FederationSignatures.verifyServerInfo(b.server.identityPublicKey(), infoB)).isTrue();
        certificateB = link.peerCertificate().orElseThrow();
        FederationHello hello = hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros(), List.of("2.0"));
        PeerClient.Response answer = post(link, hello);
        assertThat(answer.status()).isEqualTo(200);
        FederationHelloResponse response = (FederationHelloResponse) answer.body();
        assertThat(response.serverId()).isEqualTo(B);
        assertThat(response.negotiatedVersions()).isEqualTo(new FederationHelloResponse.NegotiatedVersions("2.0", "2.0"));
        assertThat(FederationSignatures.verifyHelloResponse(b.server.identityPublicKey(), cb(good), hello, response)).isTrue();
        assertThat(serverInfoFetches.get()).as("b fetched a's server_info during the hello").isGreaterThanOrEqualTo(1);
    }

    @AfterAll
    void stop() throws Exception {
        stopping = true;
        if (link != null) {
            link.close();
        }
        if (bob != null) {
            bob.close();
        }
        if (b != null) {
            b.close();
        }
        if (endpointA != null) {
            endpointA.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    // ---- 8. a correct relay ---------------------------------------------------------------------

    @Test
    @Order(1)
    void aCorrectRelayIsAnswered200EmptyAndDeliveredToBobOnceByteForByte() throws Exception {
        UUID id = UUID.randomUUID();
        MessageSend send = messageSend(id, Map.of(bob.deviceId, wrappedKey()));
        MessageRelay relay = new Relay(id).payloads(Map.of(bob.deviceId, FederationSignatures.canon(send))).build();
        PeerClient.Response answer = post(link, relay);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isNull();
        assertThat(answer.error()).isNull();
        MessageSend received = bobReceives.poll(30, TimeUnit.SECONDS);
        assertThat(received).isNotNull();
        assertThat(received.messageId()).isEqualTo(id);
        assertThat(FederationSignatures.canon(received)).isEqualTo(FederationSignatures.canon(send)); // profile §5.1: byte for byte
        assertNothingStored();
    }

    @Test
    @Order(2)
    void aCorrectRelayInJsonIsAnswered200EmptyAndDelivered() throws Exception {
        UUID id = UUID.randomUUID();
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            RawPeer.Reply reply = raw.post(JSON_TYPE, JSON.encodeMessage(new Relay(id).build()));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEmpty();
        }
        MessageSend received = bobReceives.poll(30, TimeUnit.SECONDS);
        assertThat(received).isNotNull();
        assertThat(received.messageId()).isEqualTo(id);
        assertNothingStored();
    }

    // ---- 1–3. TLS and certificate binding ---------------------------------------------------------

    @Test
    void aConnectionWithoutAClientCertificateIsRefusedInTheTlsHandshake() throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, new TrustManager[] {new TrustAnything()}, RANDOM); // no key managers: no client certificate
        int read;
        IOException failure = null;
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", portB)) {
            socket.setSoTimeout(20_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3"});
            parameters.setApplicationProtocols(new String[] {"h2"});
            parameters.setServerNames(List.of(new SNIHostName(B)));
            socket.setSSLParameters(parameters);
            try {
                socket.startHandshake();
                OutputStream out = socket.getOutputStream();
                out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
                out.flush();
                InputStream in = socket.getInputStream();
                read = in.read();
            } catch (IOException e) {
                failure = e;
                read = -1;
            }
        }
        // clarification 5: the certificate_required alert, or closed before any HTTP/2 frame is answered
        assertThat(read).as("no HTTP/2 byte answered").isEqualTo(-1);
        if (failure != null) {
            assertThat(failure).isInstanceOfAny(javax.net.ssl.SSLException.class, java.net.SocketException.class);
        }
    }

    @Test
    void aClientCertificateWhoseSanIsNotTheHellosServerIdIs5002() throws Exception {
        PeerClient client = open(foreign);
        try {
            PeerClient.Response answer = post(client, hello(foreign, A, identityA.secretKey(), identityA.publicKey(), nonce(),
                    nowMicros(), List.of("2.0")));
            assertError(answer, 403, 5002);
        } finally {
            client.close();
        }
    }

    @Test
    void aCertificateNotListedInTheServerInfoIs5002AfterARefetch() throws Exception {
        int fetchesBefore = serverInfoFetches.get();
        PeerClient client = open(unlisted);
        try {
            PeerClient.Response answer = post(client, hello(unlisted, A, identityA.secretKey(), identityA.publicKey(), nonce(),
                    nowMicros(), List.of("2.0")));
            assertError(answer, 403, 5002);
            assertThat(serverInfoFetches.get()).as("refetched (rotation) before refusing").isGreaterThan(fetchesBefore);
            // and no link came of it: a relay on that certificate is 5003
            assertError(post(client, new Relay(UUID.randomUUID()).build()), 409, 5003);
        } finally {
            client.close();
        }
    }

    // ---- 4. hello checks (§3 step 2) --------------------------------------------------------------

    @Test
    void aHelloFromAServerNotAdmittedIs5001() throws Exception {
        assertHelloRefused(hello(good, "c.localhost", stranger.secretKey(), stranger.publicKey(), nonce(), nowMicros(),
                List.of("2.0")), 403, 5001);
    }

    @Test
    void aHelloWithAnotherKeyThanTheServerInfosIs5002() throws Exception {
        assertHelloRefused(hello(good, A, stranger.secretKey(), stranger.publicKey(), nonce(), nowMicros(), List.of("2.0")), 403, 5002);
    }

    @Test
    void aHelloWithAStaleOrFutureTimestampIs3010() throws Exception {
        assertHelloRefused(hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros() - 120_000_000L,
                List.of("2.0")), 400, 3010);
        assertHelloRefused(hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros() + 120_000_000L,
                List.of("2.0")), 400, 3010);
    }

    @Test
    void aHelloWithABadSignatureIs4002InBinaryAndJson() throws Exception {
        // signed by another key while claiming a's: passes the key check, fails the signature
        FederationHello forged = withKey(hello(good, A, stranger.secretKey(), stranger.publicKey(), nonce(), nowMicros(),
                List.of("2.0")), identityA.publicKey());
        assertHelloRefused(forged, 403, 4002);
        FederationHello forgedJson = withKey(hello(good, A, stranger.secretKey(), stranger.publicKey(), nonce(), nowMicros(),
                List.of("2.0")), identityA.publicKey());
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(forgedJson)), 403, 4002);
        }
        // a correct signature over another connection's binding is no better
        FederationHello otherBinding = FederationSignatures.signHello(identityA.secretKey(), cb(spare),
                hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros(), List.of("2.0")));
        assertHelloRefused(otherBinding, 403, 4002);
    }

    @Test
    void aReusedHelloNonceWithin120sIs5005() throws Exception {
        byte[] nonce = nonce();
        PeerClient client = open(good);
        try {
            PeerClient.Response first = post(client, hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce, nowMicros(),
                    List.of("2.0")));
            assertThat(first.status()).isEqualTo(200);
            PeerClient.Response again = post(client, hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce,
                    nowMicros(), List.of("2.0")));
            assertError(again, 403, 5005);
        } finally {
            client.close();
        }
    }

    @Test
    void aHelloWithoutAMutualVersionIs3001() throws Exception {
        assertHelloRefused(hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros(), List.of("1.0", "3.0")),
                400, 3001);
    }

    // ---- 5. relay checks (§5.1), each refused with nothing stored ---------------------------------

    @Test
    void aRelayWithABadRouteSignatureIs4002() throws Exception {
        assertRelayRefused(new Relay(UUID.randomUUID()).signedBy(stranger.secretKey()), 403, 4002);
        // signed correctly, then a covered field changed
        MessageRelay signed = new Relay(UUID.randomUUID()).build();
        MessageRelay tampered = new MessageRelay(signed.messageId(), signed.originServer(), signed.sequenceNumber() + 1,
                signed.targetUsers(), signed.encryptedPayloads(), signed.classification(), signed.metadata());
        assertRelayRefused(tampered, 403, 4002);
    }

    @Test
    void aRelayWithAStaleTimestampIs3010InBinaryAndJson() throws Exception {
        long stale = nowMicros() - 120_000_000L;
        assertRelayRefused(new Relay(UUID.randomUUID()).timestamp(stale), 400, 3010);
        UUID id = UUID.randomUUID();
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            ErrorMessage error = assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(new Relay(id).timestamp(stale).build())),
                    400, 3010);
            assertThat(error.details()).isEqualTo(Map.of("message_id", id.toString())); // clarification 4
        }
        assertNothingStored();
    }

    @Test
    void aRelayPastItsExpiryIs5007() throws Exception {
        assertRelayRefused(new Relay(UUID.randomUUID()).expiresAt(Instant.now().getEpochSecond() - 10), 410, 5007);
    }

    @Test
    void aRelayExpiringMoreThanADayAfterItsTimestampIs3009() throws Exception {
        Relay relay = new Relay(UUID.randomUUID());
        assertRelayRefused(relay.expiresAt(Math.floorDiv(relay.timestamp, 1_000_000L) + 86_401), 400, 3009);
    }

    @Test
    void aRelayWithHopCount0Or11Is5004() throws Exception {
        assertRelayRefused(new Relay(UUID.randomUUID()).hopCount(0), 403, 5004);
        assertRelayRefused(new Relay(UUID.randomUUID()).hopCount(11), 403, 5004);
        assertRelayRefused(new Relay(UUID.randomUUID()).hopCount(2), 403, 5004); // clarification 13
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(new Relay(UUID.randomUUID()).hopCount(0).build())), 403, 5004);
        }
        assertNothingStored();
    }

    @Test
    void aRelayToAUserOnAThirdDomainIs5004() throws Exception {
        assertRelayRefused(new Relay(UUID.randomUUID()).targets(List.of(BOB, "carol@c.localhost")), 403, 5004);
    }

    @Test
    void aRelayWhoseOriginIsNotThePeerIs5004() throws Exception {
        assertRelayRefused(new Relay(UUID.randomUUID()).origin("c.localhost"), 403, 5004);
    }

    @Test
    void aRelayWhosePayloadIsNotAMessageSendIs3011OrMalformed3009() throws Exception {
        UUID id = UUID.randomUUID();
        byte[] ack = FederationSignatures.canon(new MessageAck(id, AckStatus.DELIVERED, Optional.empty(), Optional.empty()));
        assertRelayRefused(new Relay(id).payloads(Map.of(bob.deviceId, ack)), 400, 3011); // step 8: other type
        UUID id2 = UUID.randomUUID();
        byte[] full = FederationSignatures.canon(messageSend(id2, Map.of(bob.deviceId, wrappedKey())));
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 5);
        assertRelayRefused(new Relay(id2).payloads(Map.of(bob.deviceId, truncated)), 400, 3009); // not a strict message_send
        UUID id3 = UUID.randomUUID();
        assertRelayRefused(new Relay(id3).payloads(Map.of(bob.deviceId, new byte[0])), 400, 3009);
        assertRelayRefused(new Relay(UUID.randomUUID()).payloads(Map.of()), 400, 3009); // map non-empty
        UUID id4 = UUID.randomUUID();
        byte[] otherId = FederationSignatures.canon(messageSend(UUID.randomUUID(), Map.of(bob.deviceId, wrappedKey())));
        assertRelayRefused(new Relay(id4).payloads(Map.of(bob.deviceId, otherId)), 400, 3009); // not the relay's message_id
        UUID id5 = UUID.randomUUID();
        byte[] secret = FederationSignatures.canon(new MessageSend(id5, UUID.randomUUID(), List.of(BOB), new MessageSend.Metadata(
                nowMicros(), "text", Classification.SECRET), 1, random(32), random(48), Map.of(bob.deviceId, wrappedKey()), random(64),
                Optional.of(ALICE), Optional.of(ALICE_DEVICE)));
        assertRelayRefused(new Relay(id5).payloads(Map.of(bob.deviceId, secret)), 400, 3009); // not the relay's classification
        UUID id6 = UUID.randomUUID();
        byte[] foreignSender = FederationSignatures.canon(new MessageSend(id6, UUID.randomUUID(), List.of(BOB),
                new MessageSend.Metadata(nowMicros(), "text", Classification.UNCLASSIFIED), 1, random(32), random(48),
                Map.of(bob.deviceId, wrappedKey()), random(64), Optional.of("mallory@c.localhost"), Optional.of(ALICE_DEVICE)));
        assertRelayRefused(new Relay(id6).payloads(Map.of(bob.deviceId, foreignSender)), 400, 3009); // sender not of the origin
        UUID id7 = UUID.randomUUID();
        byte[] anonymous = FederationSignatures.canon(new MessageSend(id7, UUID.randomUUID(), List.of(BOB),
                new MessageSend.Metadata(nowMicros(), "text", Classification.UNCLASSIFIED), 1, random(32), random(48),
                Map.of(bob.deviceId, wrappedKey()), random(64), Optional.of(ALICE), Optional.empty()));
        assertRelayRefused(new Relay(id7).payloads(Map.of(bob.deviceId, anonymous)), 400, 3009); // no sender_device_id
    }

    @Test
    void aRelayWhosePayloadKeysAreNotExactlyTheDeviceIs3009() throws Exception {
        UUID id = UUID.randomUUID();
        byte[] two = FederationSignatures.canon(messageSend(id, Map.of(bob.deviceId, wrappedKey(), UUID.randomUUID(), wrappedKey())));
        assertRelayRefused(new Relay(id).payloads(Map.of(bob.deviceId, two)), 400, 3009);
        UUID id2 = UUID.randomUUID();
        byte[] other = FederationSignatures.canon(messageSend(id2, Map.of(UUID.randomUUID(), wrappedKey())));
        assertRelayRefused(new Relay(id2).payloads(Map.of(bob.deviceId, other)), 400, 3009);
        UUID id3 = UUID.randomUUID();
        byte[] none = FederationSignatures.canon(messageSend(id3, Map.of()));
        assertRelayRefused(new Relay(id3).payloads(Map.of(bob.deviceId, none)), 400, 3009);
    }

    @Test
    void aRelayAboveThePeersGrantIs2002() throws Exception {
        UUID id = UUID.randomUUID(); // a.localhost is a static peer at basic; secret needs classified (§6.4)
        MessageSend secret = new MessageSend(id, UUID.randomUUID(), List.of(BOB), new MessageSend.Metadata(nowMicros(), "text",
                Classification.SECRET), 1, random(32), random(48), Map.of(bob.deviceId, wrappedKey()), random(64),
                Optional.of(ALICE), Optional.of(ALICE_DEVICE));
        assertRelayRefused(new Relay(id).classification(Classification.SECRET)
                .payloads(Map.of(bob.deviceId, FederationSignatures.canon(secret))), 403, 2002);
    }

    @Test
    void aPayloadForADeviceThatIsNotBobsIsAnswered200AndStoresNothing() throws Exception {
        UUID id = UUID.randomUUID();
        UUID stranger = UUID.randomUUID(); // step 9: reported failed by delivery_ack, not refused
        byte[] payload = FederationSignatures.canon(messageSend(id, Map.of(stranger, wrappedKey())));
        PeerClient.Response answer = post(link, new Relay(id).payloads(Map.of(stranger, payload)).build());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.error()).isNull();
        assertNothingStored();
    }

    @Test
    void aBodyOverMaxMessageSizeIs3007With413AndTheConnectionStaysUsable() throws Exception {
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            for (int ciphertext : new int[] {MAX_MESSAGE_SIZE + 1024, 4 * MAX_MESSAGE_SIZE}) {
                UUID id = UUID.randomUUID();
                MessageSend big = new MessageSend(id, UUID.randomUUID(), List.of(BOB), new MessageSend.Metadata(nowMicros(), "text",
                        Classification.UNCLASSIFIED), 1, new byte[32], random(ciphertext), Map.of(bob.deviceId, wrappedKey()),
                        random(64), Optional.of(ALICE), Optional.of(ALICE_DEVICE));
                MessageRelay relay = new Relay(id).payloads(Map.of(bob.deviceId, BINARY.encodeMessage(big))).build();
                byte[] body = BINARY.encodeMessage(relay);
                assertThat(body.length).isGreaterThan(MAX_MESSAGE_SIZE);
                assertBinaryError(raw.post(BINARY_TYPE, body), 413, 3007);
                assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(relay)), 413, 3007);
            }
            // the link's connection still carries requests after the refusals
            assertThat(raw.post(BINARY_TYPE, BINARY.encodeMessage(deliveryAck())).status()).isEqualTo(200);
        }
        assertNothingStored();
    }

    @Test
    void aRequestWithoutALinkIs5003() throws Exception {
        // a fresh connection, a certificate a.localhost lists, no hello on it ever
        PeerClient client = open(spare);
        try {
            UUID id = UUID.randomUUID();
            assertError(post(client, new Relay(id).build()), 409, 5003);
            assertError(post(client, deliveryAck()), 409, 5003);
        } finally {
            client.close();
        }
        // too large as well: a binary body is checked for its link before its size, a JSON one parsed first (clarification 3)
        try (RawPeer raw = RawPeer.open(system, spare.tls(), portB)) {
            UUID id = UUID.randomUUID();
            MessageSend big = new MessageSend(id, UUID.randomUUID(), List.of(BOB), new MessageSend.Metadata(nowMicros(), "text",
                    Classification.UNCLASSIFIED), 1, new byte[32], random(2 * MAX_MESSAGE_SIZE), Map.of(bob.deviceId, wrappedKey()),
                    random(64), Optional.of(ALICE), Optional.of(ALICE_DEVICE));
            MessageRelay relay = new Relay(id).payloads(Map.of(bob.deviceId, BINARY.encodeMessage(big))).build();
            assertBinaryError(raw.post(BINARY_TYPE, BINARY.encodeMessage(relay)), 409, 5003);
            assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(relay)), 413, 3007);
        }
        assertNothingStored();
    }

    @Test
    void anUnknownMessageTypeIs3008() throws Exception {
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertBinaryError(raw.post(BINARY_TYPE, new byte[] {0x55, 1, 2, 3}), 400, 3008);
            assertBinaryError(raw.post(BINARY_TYPE, new byte[] {(byte) 0xEE}), 400, 3008);
        }
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertJsonError(raw.post(JSON_TYPE, "{\"type\":\"no_such_type\"}".getBytes(StandardCharsets.UTF_8)), 400, 3008);
        }
        try (RawPeer raw = RawPeer.open(system, spare.tls(), portB)) { // the type is read before the link (clarification 2)
            assertBinaryError(raw.post(BINARY_TYPE, new byte[] {0x55}), 400, 3008);
        }
    }

    @Test
    void anUnexpectedMessageTypeIs3011() throws Exception {
        FederationHelloResponse response = new FederationHelloResponse(A, new FederationHelloResponse.NegotiatedVersions("2.0", "2.0"),
                List.of(), List.of("relay"), nonce(), nowMicros(), identityA.publicKey(), new byte[64]);
        assertError(post(link, response), 400, 3011);
        // a NORC-C type a link does not carry
        UUID id = UUID.randomUUID();
        assertError(post(link, messageSend(id, Map.of(bob.deviceId, wrappedKey()))), 400, 3011);
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertJsonError(raw.post(JSON_TYPE, JSON.encodeMessage(response)), 400, 3011);
        }
        assertNothingStored();
    }

    @Test
    void aWrongPathMethodContentTypeOrAuthorityIsAnsweredEmpty404405415421() throws Exception {
        byte[] relay = BINARY.encodeMessage(new Relay(UUID.randomUUID()).build());
        String base = "https://" + B + ":" + portB;
        Host host = Host.create(B, portB);
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            assertEmpty(raw.send(request(HttpMethods.POST, base + "/norc-x", host, BINARY_TYPE, relay)), 404);
            assertEmpty(raw.send(request(HttpMethods.GET, base + "/norc-f", host, null, null)), 405);
            assertEmpty(raw.send(request(HttpMethods.PUT, base + "/norc-f", host, BINARY_TYPE, relay)), 405);
            assertEmpty(raw.send(request(HttpMethods.POST, base + "/norc-f", host, ContentTypes.APPLICATION_OCTET_STREAM, relay)), 415);
            assertEmpty(raw.send(request(HttpMethods.POST, base + "/norc-f", host, ContentTypes.TEXT_PLAIN_UTF8, relay)), 415);
            assertEmpty(raw.send(request(HttpMethods.POST, "https://evil.localhost:" + portB + "/norc-f",
                    Host.create("evil.localhost", portB), BINARY_TYPE, relay)), 421);
            // clarification 6: the server_id, port optional
            assertThat(raw.send(request(HttpMethods.POST, "https://" + B + "/norc-f", Host.create(B), BINARY_TYPE,
                    BINARY.encodeMessage(deliveryAck()))).status()).isEqualTo(200);
        }
        assertNothingStored();
    }

    @Test
    void aMalformedOrEmptyBodyIs3xxxWithEmptyDetails() throws Exception {
        byte[] relay = BINARY.encodeMessage(new Relay(UUID.randomUUID()).build());
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            ErrorMessage trailing = assertBinaryError(raw.post(BINARY_TYPE, Bytes.concat(relay, new byte[] {0})), 400, 3003);
            assertThat(trailing.details()).as("clarification 4: no message_id unless the body decoded").isEmpty();
            ErrorMessage truncated = assertBinaryError(raw.post(BINARY_TYPE, java.util.Arrays.copyOf(relay, relay.length - 3)), 400, 3002);
            assertThat(truncated.details()).isEmpty();
            assertBinaryError(raw.post(BINARY_TYPE, new byte[0]), 400, 3002);
            assertThat(assertJsonError(raw.post(JSON_TYPE, "{\"type\":\"message_relay\"}".getBytes(StandardCharsets.UTF_8)),
                    400, 3009).details()).isEmpty();
        }
        try (RawPeer raw = RawPeer.open(system, spare.tls(), portB)) {
            assertThat(assertBinaryError(raw.post(BINARY_TYPE, relay), 409, 5003).details()).isEmpty();
        }
        assertNothingStored();
    }

    @Test
    void aDeliveryAckThatIsStaleForgedOrNotForBIsRefused() throws Exception {
        DeliveryAck stale = FederationSignatures.signDeliveryAck(identityA.secretKey(), new DeliveryAck(UUID.randomUUID(), B,
                List.of(), List.of(), nowMicros() - 120_000_000L, new byte[64]));
        assertError(post(link, stale), 400, 3010);
        DeliveryAck forged = FederationSignatures.signDeliveryAck(stranger.secretKey(), new DeliveryAck(UUID.randomUUID(), B,
                List.of(), List.of(), nowMicros(), new byte[64]));
        assertError(post(link, forged), 403, 4002);
        DeliveryAck elsewhere = FederationSignatures.signDeliveryAck(identityA.secretKey(), new DeliveryAck(UUID.randomUUID(),
                "c.localhost", List.of(), List.of(), nowMicros(), new byte[64]));
        assertError(post(link, elsewhere), 403, 5004);
        assertThat(post(link, deliveryAck()).status()).as("an ack for an unknown message: ignored").isEqualTo(200);
    }

    @Test
    void aServerDiscoveryNamingAnotherServerIs5004() throws Exception {
        var other = FederationSignatures.signServerDiscovery(identityA.secretKey(),
                new norc.wire.message.ServerDiscovery("c.localhost", A, nowMicros(), new byte[64]));
        assertError(post(link, other), 403, 5004);
        var asOther = FederationSignatures.signServerDiscovery(identityA.secretKey(),
                new norc.wire.message.ServerDiscovery(B, "c.localhost", nowMicros(), new byte[64]));
        assertError(post(link, asOther), 403, 5004);
        var mine = FederationSignatures.signServerDiscovery(identityA.secretKey(),
                new norc.wire.message.ServerDiscovery(B, A, nowMicros(), new byte[64]));
        PeerClient.Response answer = post(link, mine);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isInstanceOf(ServerInfo.class);
    }

    @Test
    void aRelayOnALinkWithoutTheRelayCapabilityIs3011() throws Exception {
        PeerClient client = open(good);
        try {
            FederationHello keysOnly = FederationSignatures.signHello(identityA.secretKey(), cb(good), new FederationHello(A,
                    new FederationHello.ProtocolVersions(List.of("2.0"), List.of("2.0")), List.of("keys"), nonce(), nowMicros(),
                    identityA.publicKey(), new byte[64]));
            assertThat(post(client, keysOnly).status()).isEqualTo(200); // the newest hello replaces the link
            assertError(post(client, new Relay(UUID.randomUUID()).build()), 400, 3011);
            assertError(post(link, deliveryAck()), 400, 3011);
            assertThat(post(client, hello(good, A, identityA.secretKey(), identityA.publicKey(), nonce(), nowMicros(),
                    List.of("2.0"))).status()).isEqualTo(200); // relay again
        } finally {
            client.close();
        }
        assertNothingStored();
    }

    @Test
    @Order(3)
    void aJsonRelayWithASequenceNumberAbove2To53IsExactClarification15() throws Exception {
        sequence.set((1L << 53) + 1); // from here on every relay is numbered above 2^53
        UUID id = UUID.randomUUID();
        MessageRelay relay = new Relay(id).build(); // 2^53 + 2: a double would read it as 2^53 and break the signature
        byte[] json = JSON.encodeMessage(relay);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains(Long.toString(relay.sequenceNumber()));
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            RawPeer.Reply reply = raw.post(JSON_TYPE, json);
            assertThat(reply.status()).as("%s", reply.body().length == 0 ? "" : new String(reply.body(), StandardCharsets.UTF_8))
                    .isEqualTo(200);
        }
        assertThat(bobReceives.poll(30, TimeUnit.SECONDS)).extracting(MessageSend::messageId).isEqualTo(id);
        assertNothingStored();
    }

    // ---- 6. replay cache and sequence window (§5.2) -----------------------------------------------

    @Test
    void theSameRelayResentIsAnsweredTheSameAndDeliveredOnce() throws Exception {
        UUID id = UUID.randomUUID();
        long s = sequence.incrementAndGet();
        Relay relay = new Relay(id).sequence(s);
        assertThat(post(link, relay.build()).status()).isEqualTo(200);
        assertThat(post(link, relay.build()).status()).as("same message_id, same sequence").isEqualTo(200);
        assertThat(post(link, new Relay(id).sequence(sequence.incrementAndGet()).build()).status())
                .as("same message_id, new sequence").isEqualTo(200);
        MessageSend received = bobReceives.poll(30, TimeUnit.SECONDS);
        assertThat(received).isNotNull();
        assertThat(received.messageId()).isEqualTo(id);
        assertNothingStored(); // not a second time
        // the same message resent many times at once, each attempt numbered anew: one commit, the same answer
        UUID burst = UUID.randomUUID();
        List<CompletableFuture<PeerClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(link.post(new Relay(burst).build()).toCompletableFuture());
        }
        for (CompletableFuture<PeerClient.Response> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(bobReceives.poll(30, TimeUnit.SECONDS)).extracting(MessageSend::messageId).isEqualTo(burst);
        assertNothingStored();
    }

    @Test
    void aSequenceNumberReusedForAnotherMessageIs5005() throws Exception {
        UUID id = UUID.randomUUID();
        long s = sequence.incrementAndGet();
        assertThat(post(link, new Relay(id).sequence(s).build()).status()).isEqualTo(200);
        assertThat(bobReceives.poll(30, TimeUnit.SECONDS)).extracting(MessageSend::messageId).isEqualTo(id);
        assertRelayRefused(new Relay(UUID.randomUUID()).sequence(s), 403, 5005);
        // clarification 2: a number marked for another message_id is 5005 even when the message_id is known
        UUID known = UUID.randomUUID();
        assertThat(post(link, new Relay(known).build()).status()).isEqualTo(200);
        assertThat(bobReceives.poll(30, TimeUnit.SECONDS)).extracting(MessageSend::messageId).isEqualTo(known);
        assertRelayRefused(new Relay(known).sequence(s), 403, 5005);
    }

    @Test
    void aSequenceNumberFarBelowTheWindowIs5006ForAnUnknownMessage() throws Exception {
        UUID id = UUID.randomUUID();
        long highest = sequence.addAndGet(10_000);
        assertThat(post(link, new Relay(id).sequence(highest).build()).status()).isEqualTo(200);
        assertThat(bobReceives.poll(30, TimeUnit.SECONDS)).extracting(MessageSend::messageId).isEqualTo(id);
        assertRelayRefused(new Relay(UUID.randomUUID()).sequence(highest - InboundLinks.WINDOW), 409, 5006);
        assertRelayRefused(new Relay(UUID.randomUUID()).sequence(highest - 9_000), 409, 5006);
        // a known message below the window gets its recorded answer, and is not stored again
        assertThat(post(link, new Relay(id).sequence(highest - InboundLinks.WINDOW - 1).build()).status()).isEqualTo(200);
        assertNothingStored();
    }

    // ---- 7. ingress budget (§5.3: each POST counts): last, it leaves the peer's bucket empty --------------------------

    @Test
    @Order(Integer.MAX_VALUE)
    void morePostsThanTheIngressBudgetAre6001With429AndRetryAfter() throws Exception {
        int ok = 0;
        RawPeer.Reply limited = null;
        try (RawPeer raw = RawPeer.open(system, good.tls(), portB)) {
            for (int batch = 0; batch < 20 && limited == null; batch++) {
                List<CompletableFuture<RawPeer.Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 200; i++) { // cheap requests: acks for unknown messages (200 empty), discovery, keys
                    NorcMessage cheap = switch (i % 4) {
                        case 0 -> FederationSignatures.signServerDiscovery(identityA.secretKey(),
                                new norc.wire.message.ServerDiscovery(B, A, nowMicros(), new byte[64]));
                        case 1 -> new norc.wire.message.KeyRequest(List.of("nobody@b.localhost"), Optional.empty());
                        default -> deliveryAck();
                    };
                    replies.add(raw.postAsync(BINARY_TYPE, BINARY.encodeMessage(cheap)).toCompletableFuture());
                }
                for (CompletableFuture<RawPeer.Reply> future : replies) {
                    RawPeer.Reply reply = future.get(60, TimeUnit.SECONDS);
                    if (reply.status() == 200) {
                        ok++;
                    } else {
                        assertThat(reply.status()).isEqualTo(429);
                        if (limited == null) {
                            limited = reply;
                        }
                    }
                }
            }
        }
        assertThat(limited).as("a 6001 after %d accepted POSTs", ok).isNotNull();
        assertThat(ok).as("about 1000 POSTs of any type fit in 60 s").isBetween(900, 1300);
        ErrorMessage error = assertBinaryError(limited, 429, 6001);
        assertThat(error.retryAfter()).isPresent();
        assertThat(error.retryAfter().get()).isGreaterThanOrEqualTo(1L);
        assertThat(limited.retryAfterHeader()).isEqualTo(Long.toString(error.retryAfter().get()));
    }

    // ---- the test peer a.localhost ----------------------------------------------------------------

    /** a's NORC-F endpoint: only its signed server_info (b fetches it during the hello check). */
    private CompletionStage<HttpResponse> serveA(HttpRequest request) {
        request.discardEntityBytes(system);
        if (request.method() == HttpMethods.GET && FederationEndpoint.WELL_KNOWN.equals(request.getUri().path())) {
            serverInfoFetches.incrementAndGet();
            ServerInfo info = FederationSignatures.signServerInfo(identityA.secretKey(), new ServerInfo(A, identityA.publicKey(),
                    List.of(endpoint(good), endpoint(spare)), List.of(), new ServerInfo.FederationPolicy(false, false, MAX_MESSAGE_SIZE),
                    nowMicros(), new byte[64]));
            return CompletableFuture.completedFuture(HttpResponse.create()
                    .withEntity(HttpEntities.create(BINARY_TYPE, FederationSignatures.canon(info))));
        }
        return CompletableFuture.completedFuture(HttpResponse.create().withStatus(503)); // b's own link to a: not served here
    }

    private ServerInfo.Endpoint endpoint(Cert cert) {
        return new ServerInfo.Endpoint("norc_f", "127.0.0.1", portA, PeerDirectory.fingerprint(cert.certificate()));
    }

    private PeerClient open(Cert cert) {
        return PeerClient.open(system, cert.tls(), B, new FederationSettings.Address("127.0.0.1", portB));
    }

    /** {@code cb} of a connection from {@code cert} to b: b presents the same certificate on each. */
    private byte[] cb(Cert cert) {
        return FederationSignatures.channelBinding(cert.der(), PeerDirectory.der(certificateB));
    }

    private FederationHello hello(Cert on, String serverId, byte[] signingKey, byte[] claimedKey, byte[] nonce, long timestamp,
                                  List<String> norcF) {
        return FederationSignatures.signHello(signingKey, cb(on), new FederationHello(serverId,
                new FederationHello.ProtocolVersions(norcF, List.of("2.0")), List.of("relay", "keys"), nonce, timestamp, claimedKey,
                new byte[64]));
    }

    private static FederationHello withKey(FederationHello hello, byte[] key) {
        return new FederationHello(hello.serverId(), hello.protocolVersions(), hello.capabilities(), hello.nonce(), hello.timestamp(),
                key, hello.signature());
    }

    private void assertHelloRefused(FederationHello hello, int status, int code) throws Exception {
        PeerClient client = open(good);
        try {
            assertError(post(client, hello), status, code);
        } finally {
            client.close();
        }
    }

    private DeliveryAck deliveryAck() {
        return FederationSignatures.signDeliveryAck(identityA.secretKey(), new DeliveryAck(UUID.randomUUID(), B, List.of(),
                List.of(UUID.randomUUID()), nowMicros(), new byte[64]));
    }

    private MessageSend messageSend(UUID id, Map<UUID, MessageSend.WrappedKey> keys) {
        return new MessageSend(id, UUID.randomUUID(), List.of(BOB), new MessageSend.Metadata(nowMicros(), "text",
                Classification.UNCLASSIFIED), 1, random(32), random(48), keys, random(64), Optional.of(ALICE),
                Optional.of(ALICE_DEVICE));
    }

    private static MessageSend.WrappedKey wrappedKey() {
        return new MessageSend.WrappedKey(random(32), random(48));
    }

    /** A relay as the origin a.localhost writes it, each part replaceable by a hostile value. */
    final class Relay {
        final UUID id;
        long sequenceNumber = sequence.incrementAndGet();
        String origin = A;
        List<String> targets = List.of(BOB);
        Map<UUID, byte[]> payloads;
        long timestamp = nowMicros();
        int hopCount = 1;
        Classification classification = Classification.UNCLASSIFIED;
        Long expiresAt;
        byte[] signingKey = identityA.secretKey();

        Relay(UUID id) {
            this.id = id;
        }

        Relay sequence(long s) {
            sequenceNumber = s;
            return this;
        }

        Relay origin(String o) {
            origin = o;
            return this;
        }

        Relay targets(List<String> t) {
            targets = t;
            return this;
        }

        Relay payloads(Map<UUID, byte[]> p) {
            payloads = p;
            return this;
        }

        Relay timestamp(long t) {
            timestamp = t;
            return this;
        }

        Relay hopCount(int h) {
            hopCount = h;
            return this;
        }

        Relay classification(Classification c) {
            classification = c;
            return this;
        }

        Relay expiresAt(long e) {
            expiresAt = e;
            return this;
        }

        MessageRelay signedBy(byte[] key) {
            signingKey = key;
            return build();
        }

        MessageRelay build() {
            Map<UUID, byte[]> p = payloads != null ? payloads
                    : Map.of(bob.deviceId, FederationSignatures.canon(messageSend(id, Map.of(bob.deviceId, wrappedKey()))));
            long expiry = expiresAt != null ? expiresAt : Math.floorDiv(timestamp, 1_000_000L) + 3600;
            return FederationSignatures.signRelay(signingKey, new MessageRelay(id, origin, sequenceNumber, targets,
                    new LinkedHashMap<>(p), classification,
                    new MessageRelay.RelayMetadata(timestamp, hopCount, expiry, new byte[64])));
        }
    }

    // ---- assertions -------------------------------------------------------------------------------

    private static PeerClient.Response post(PeerClient client, NorcMessage message) throws Exception {
        return client.post(message).toCompletableFuture().get(ANSWER.toSeconds(), TimeUnit.SECONDS);
    }

    private static void assertError(PeerClient.Response answer, int status, int code) {
        assertThat(answer.status()).as("HTTP status of %s", answer.error()).isEqualTo(status);
        assertThat(answer.error()).as("an error body").isNotNull();
        assertThat(answer.error().errorCode()).isEqualTo(code);
        assertThat(answer.error().errorCategory()).isNotEmpty();
    }

    private void assertRelayRefused(Relay relay, int status, int code) throws Exception {
        assertRelayRefused(relay.build(), status, code);
    }

    /** The relay is refused with the code (its {@code message_id} in {@code details}) and bob receives nothing. */
    private void assertRelayRefused(MessageRelay relay, int status, int code) throws Exception {
        PeerClient.Response answer = post(link, relay);
        assertError(answer, status, code);
        assertThat(answer.error().details()).isEqualTo(Map.of("message_id", relay.messageId().toString()));
        assertNothingStored();
    }

    /**
     * Nothing reached bob's inbox since the last check: a correct relay sent now is the first
     * (and only) message bob's device receives. Inbox order is commit order, so anything stored
     * by an earlier request would arrive before it.
     */
    private void assertNothingStored() throws Exception {
        UUID sentinel = UUID.randomUUID();
        PeerClient.Response answer = post(link, new Relay(sentinel).build());
        assertThat(answer.status()).as("the sentinel relay: %s", answer.error()).isEqualTo(200);
        List<UUID> seen = new ArrayList<>();
        while (true) {
            MessageSend received = bobReceives.poll(30, TimeUnit.SECONDS);
            assertThat(received).as("bob's device receives the sentinel relay; before it: %s", seen).isNotNull();
            if (received.messageId().equals(sentinel)) {
                break;
            }
            seen.add(received.messageId());
        }
        assertThat(seen).as("messages stored by refused or repeated requests").isEmpty();
    }

    private static ErrorMessage assertBinaryError(RawPeer.Reply reply, int status, int code) {
        return assertErrorReply(reply, status, code, FederationWire.BINARY, BINARY);
    }

    private static ErrorMessage assertJsonError(RawPeer.Reply reply, int status, int code) {
        return assertErrorReply(reply, status, code, FederationWire.JSON, JSON);
    }

    private static ErrorMessage assertErrorReply(RawPeer.Reply reply, int status, int code, String type, Codec codec) {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.contentType()).as("answered in the request's content type").isEqualTo(type);
        NorcMessage decoded = codec.decodeMessage(reply.body());
        assertThat(decoded).isInstanceOf(ErrorMessage.class);
        ErrorMessage error = (ErrorMessage) decoded;
        assertThat(error.errorCode()).isEqualTo(code);
        return error;
    }

    private static void assertEmpty(RawPeer.Reply reply, int status) {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.body()).as("an empty body").isEmpty();
    }

    private static HttpRequest request(HttpMethod method, String uri, Host host, ContentType type, byte[] body) {
        HttpRequest request = HttpRequest.create().withMethod(method).withUri(uri).addHeader(host);
        return type == null ? request : request.withEntity(HttpEntities.create(type, body));
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    private void readBob() {
        while (!stopping) {
            try {
                NorcMessage message = bob.receive(Duration.ofSeconds(1));
                if (message instanceof MessageSend send) {
                    bobReceives.add(send);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!stopping) {
                    throw e;
                }
            }
        }
    }

    private static Cert certificate(String san) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + san);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), name, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, san)}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("peer", keys.getPrivate(), KEYSTORE_PASSWORD, new X509Certificate[] {certificate});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, KEYSTORE_PASSWORD);
        return new Cert(certificate, new FederationTls(factory));
    }

    private static byte[] nonce() {
        return random(16);
    }

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Trusts any server certificate: the test checks b's identity through its signatures instead. */
    private static final class TrustAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /**
     * One HTTP/2 mTLS connection to b for raw requests (any path, method, content type and
     * {@code :authority}), answering with status, content type, {@code retry-after} and body bytes.
     */
    static final class RawPeer implements AutoCloseable {
        record Reply(int status, String contentType, String retryAfterHeader, byte[] body) {}

        private final BoundedSourceQueue<HttpRequest> queue;
        private final CompletionStage<Done> closed;
        private final Materializer materializer;
        private final int port;

        private RawPeer(BoundedSourceQueue<HttpRequest> queue, CompletionStage<Done> closed, Materializer materializer, int port) {
            this.queue = queue;
            this.closed = closed;
            this.materializer = materializer;
            this.port = port;
        }

        static RawPeer open(ActorSystem<?> system, FederationTls tls, int port) {
            var flow = Http.get(system).connectionTo("127.0.0.1").toPort(port)
                    .withCustomHttpsConnectionContext(ConnectionContext.httpsClient(
                            (host, p) -> tls.clientEngine(B, host, p, new AtomicReference<>())))
                    .http2();
            Materializer materializer = Materializer.matFromSystem(system);
            Pair<BoundedSourceQueue<HttpRequest>, CompletionStage<Done>> running = Source.<HttpRequest>queue(256)
                    .via(flow)
                    .toMat(Sink.foreach(response -> response.getAttribute(ResponseFuture.KEY())
                            .ifPresent(promise -> promise.future().complete(response))), Keep.both())
                    .run(materializer);
            return new RawPeer(running.first(), running.second(), materializer, port);
        }

        /** {@code POST /norc-f} with the dialed server id as {@code :authority}, waiting for the answer. */
        Reply post(ContentType type, byte[] body) throws Exception {
            return postAsync(type, body).toCompletableFuture().get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        }

        CompletionStage<Reply> postAsync(ContentType type, byte[] body) {
            return sendAsync(request(HttpMethods.POST, "https://" + B + ":" + port + "/norc-f", Host.create(B, port), type, body));
        }

        Reply send(HttpRequest request) throws Exception {
            return sendAsync(request).toCompletableFuture().get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        }

        CompletionStage<Reply> sendAsync(HttpRequest request) {
            CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
            if (queue.offer(request.addAttribute(ResponseFuture.KEY(), new ResponseFuture(answer))) != QueueOfferResult.enqueued()) {
                answer.completeExceptionally(new IllegalStateException("connection busy or closed"));
            }
            closed.whenComplete((done, error) -> answer.completeExceptionally(new IllegalStateException("connection closed")));
            return answer.orTimeout(ANSWER.toMillis(), TimeUnit.MILLISECONDS).thenCompose(response -> response.entity()
                    .toStrict(ANSWER.toMillis(), materializer)
                    .thenApply(strict -> new Reply(response.status().intValue(), strict.getContentType().mediaType().toString(),
                            response.getHeader("retry-after").map(HttpHeader::value).orElse(null), strict.getData().toArray())));
        }

        @Override
        public void close() {
            queue.complete();
        }
    }
}
