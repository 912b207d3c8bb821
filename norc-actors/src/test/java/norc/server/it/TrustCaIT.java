package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.Classification;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ca} trust method between two servers whose TLS certificates a test CA issued, the CA
 * configured on both as an anchor for basic, verified and classified: a.localhost asks b.localhost
 * for verified, b validates a's chain (RFC 5280) and its operator approves (202 first), b's grant
 * notice is granted by a's policy after a validates b's chain; then a {@code confidential} message
 * (needs verified) crosses and a {@code secret} one (needs classified) is refused with 2002.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustCaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    TestServer a;
    TestServer b;
    int portA;
    int portB;

    @BeforeAll
    void start() throws Exception {
        KeyPair caKey = keyPair();
        X500Name caName = new X500Name("CN=NORC test federation CA");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), caName, caKey.getPublic());
        caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate ca = new JcaX509CertificateConverter().getCertificate(
                caBuilder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        Path caPem = dir.resolve("ca.pem");
        Files.writeString(caPem, pem(ca));
        portA = FederationIT.freePort();
        portB = FederationIT.freePort();
        a = TestServer.start(dir.resolve("a"), config("a.localhost", portA, issue(dir.resolve("a-tls"), "a.localhost", ca, caKey), caPem));
        b = TestServer.start(dir.resolve("b"), config("b.localhost", portB, issue(dir.resolve("b-tls"), "b.localhost", ca, caKey), caPem));
    }

    @AfterAll
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static String config(String self, int port, Path keystore, Path caPem) throws Exception {
        return "norc.server-id = \"" + self + "\"\n"
                + "norc.federation.interface = \"127.0.0.1\"\n"
                + "norc.federation.port = " + port + "\n"
                + "norc.tls.keystore = \"" + keystore + "\"\n"
                + "norc.tls.keystore-password = \"changeit\"\n"
                + "norc.federation.trust.anchors = [{certificate = \"" + caPem + "\", levels = [basic, verified, classified]}]\n";
    }

    /** A PKCS#12 keystore with a CA-issued certificate for {@code serverId} (and localhost), its PEM beside it. */
    private static Path issue(Path tlsDir, String serverId, X509Certificate ca, KeyPair caKey) throws Exception {
        Files.createDirectories(tlsDir);
        KeyPair key = keyPair();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, new BigInteger(64, TestServer.RANDOM),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + serverId),
                key.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, serverId), new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("norc", key.getPrivate(), "changeit".toCharArray(), new X509Certificate[] {leaf, ca});
        Path file = tlsDir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        Files.writeString(tlsDir.resolve("server-cert.pem"), pem(leaf));
        return file;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(X509Certificate certificate) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        }
        return out.toString();
    }

    @Test
    void aCaProvenRequestForVerifiedIsApprovedAndGatesClassifications() throws Exception {
        assertThat(b.post("/admin/federation/peers", "{\"server_id\":\"a.localhost\",\"address\":\"127.0.0.1:" + portA + "\"}")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> asked = a.post("/admin/federation/peers/b.localhost/request",
                "{\"level\":\"verified\",\"address\":\"127.0.0.1:" + portB + "\"}");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
        assertThat(JSON.readTree(asked.body()).path("outcome").asText()).isEqualTo("pending"); // verified: the operator decides
        JsonNode pending = JSON.readTree(b.get("/admin/federation/peers/a.localhost").body());
        assertThat(pending.path("pending").asText()).isEqualTo("verified");
        assertThat(pending.path("challenge_method").asText()).isEqualTo("ca");
        // more than the method and the request allow is refused; verified is granted
        assertThat(b.post("/admin/federation/peers/a.localhost/approve", "{\"level\":\"classified\"}").statusCode()).isEqualTo(409);
        assertThat(b.post("/admin/federation/peers/a.localhost/approve", "{\"level\":\"verified\",\"operator\":\"ops-b\"}")
                .statusCode()).isEqualTo(200);
        JsonNode atA = TrustIT.awaitGrant(a, "b.localhost", "verified"); // b's grant notice, proven by b's chain, a's policy
        assertThat(atA.path("method").asText()).isEqualTo("ca");
        assertThat(atA.path("decided_by").asText()).isEqualTo("policy");

        RecordingListener bobHears = new RecordingListener();
        NorcClient alice = a.registerNew("alice-ca", WireEncoding.BINARY, new RecordingListener(), null);
        NorcClient bob = b.registerNew("bob-ca", WireEncoding.BINARY, bobHears, null);
        var confidential = new NorcClient.SendOptions(NorcClient.SendOptions.DEFAULT.messageType(), Classification.CONFIDENTIAL);
        alice.send(UUID.randomUUID(), List.of("bob-ca@b.localhost"), "needs verified".getBytes(StandardCharsets.UTF_8), confidential)
                .get(30, TimeUnit.SECONDS);
        assertThat(bobHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull();
        var secret = new NorcClient.SendOptions(NorcClient.SendOptions.DEFAULT.messageType(), Classification.SECRET);
        assertThatThrownBy(() -> alice.send(UUID.randomUUID(), List.of("bob-ca@b.localhost"), new byte[] {1}, secret)
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NorcException.class)
                .satisfies(e -> assertThat(((NorcException) e).code().code()).isEqualTo(2002));
        alice.close();
        bob.close();
    }
}
