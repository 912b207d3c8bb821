package norc.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's TLS key and certificate. Operators point {@code norc.tls.keystore} at their own
 * PKCS#12 file; otherwise a self-signed P-256 certificate for the server id, {@code localhost} and
 * {@code 127.0.0.1} is generated on first start into {@code <data-dir>/tls/}, with its password in
 * an owner-only file and the certificate also written as PEM for clients to trust.
 */
public final class TlsMaterial {
    public static final String KEYSTORE_FILE = "server.p12";
    public static final String PASSWORD_FILE = "server.p12.password";
    public static final String CERTIFICATE_PEM = "server-cert.pem";
    private static final String ALIAS = "norc";

    private TlsMaterial() {}

    /** A TLS 1.3 server context from the configured keystore, or the generated one. */
    public static SSLContext serverContext(Path dataDir, String serverId, String keystore, String password) {
        return serverContext(keyManagers(dataDir, serverId, keystore, password));
    }

    /** A JDK TLS 1.3 server context over the server's key. */
    public static SSLContext serverContext(KeyManagerFactory keys) {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keys.getKeyManagers(), null, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make a TLS 1.3 context: " + e.getMessage(), e);
        }
    }

    /**
     * The server's TLS key and certificate from the configured keystore, or from the one generated
     * into {@code <data-dir>/tls} on first start; every TLS engine (JDK or BoringSSL) is built on it.
     */
    public static KeyManagerFactory keyManagers(Path dataDir, String serverId, String keystore, String password) {
        try {
            Path store;
            char[] pass;
            if (keystore.isEmpty()) {
                Path dir = dataDir.resolve("tls");
                store = dir.resolve(KEYSTORE_FILE);
                if (!Files.exists(store)) {
                    generate(dir, serverId);
                }
                pass = Files.readString(dir.resolve(PASSWORD_FILE), StandardCharsets.US_ASCII).trim().toCharArray();
            } else {
                store = Path.of(keystore);
                pass = password.toCharArray();
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, pass);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pass);
            return kmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the TLS keystore (norc.tls.keystore): " + e.getMessage(), e);
        }
    }

    private static void generate(Path dir, String serverId) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keyPair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + serverId);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(825))), name, keyPair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, serverId),
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate certificate;
        try {
            certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret).toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(ALIAS, keyPair.getPrivate(), password, new X509Certificate[] {certificate});
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        writeOwnerOnly(passwordFile, new String(password).getBytes(StandardCharsets.US_ASCII));
        try (OutputStream out = Files.newOutputStream(dir.resolve(KEYSTORE_FILE))) {
            ks.store(out, password);
        }
        restrict(dir.resolve(KEYSTORE_FILE));
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(certificate);
        }
        Files.writeString(dir.resolve(CERTIFICATE_PEM), pem.toString(), StandardCharsets.US_ASCII);
    }

    /** Writes a secret file readable only by its owner where the file system allows it. */
    public static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        restrict(file);
    }

    /** Makes a secret file readable by its owner only, where the file system has POSIX permissions. */
    public static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // non-POSIX file system: rely on the directory's protection
        }
    }
}
