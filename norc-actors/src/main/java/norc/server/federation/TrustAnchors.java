package norc.server.federation;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import norc.wire.message.Atoms.TrustLevel;

/**
 * The CA certificates this server accepts for the {@code ca} trust method (federation profile
 * §6.1), each for the levels configured: a peer's {@code certificate_chain} (DER, leaf first) must
 * validate to one of them under RFC 5280 path validation (PKIX, at the current time, without
 * revocation checks: profile §9), and its leaf name the peer. Loaded once at start; thread-safe.
 */
public final class TrustAnchors {
    private final Map<X509Certificate, List<TrustLevel>> anchors = new LinkedHashMap<>();

    public TrustAnchors(List<FederationSettings.Anchor> configured) {
        for (FederationSettings.Anchor anchor : configured) {
            try (InputStream in = Files.newInputStream(Path.of(anchor.certificate()))) {
                X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                anchors.put(certificate, anchor.levels());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("norc.federation.trust.anchors: cannot read the CA certificate "
                        + anchor.certificate() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The fingerprints published in {@code server_info.trust_anchors}. */
    public List<byte[]> fingerprints() {
        List<byte[]> fps = new ArrayList<>();
        anchors.keySet().forEach(c -> fps.add(PeerDirectory.fingerprint(c)));
        return fps;
    }

    public boolean any() {
        return !anchors.isEmpty();
    }

    /**
     * Whether {@code chainDer} (leaf first) validates to an anchor configured for {@code level}, its
     * leaf is {@code leafFingerprint} (the link's TLS client certificate) and names {@code peer}.
     */
    public boolean validates(List<byte[]> chainDer, String peer, TrustLevel level, byte[] leafFingerprint) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> chain = new ArrayList<>();
            for (byte[] der : chainDer) {
                X509Certificate c = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
                if (!anchors.containsKey(c)) { // an anchor sent along is not part of the path
                    chain.add(c);
                }
            }
            if (chain.isEmpty() || !Arrays.equals(PeerDirectory.fingerprint(chain.get(0)), leafFingerprint)
                    || !PeerDirectory.sanNames(chain.get(0), peer)) {
                return false;
            }
            return validates(chain, level);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** PKIX validation of {@code chain} (leaf first, no anchor) to an anchor for {@code level}. */
    public boolean validates(List<X509Certificate> chain, TrustLevel level) {
        for (Map.Entry<X509Certificate, List<TrustLevel>> anchor : anchors.entrySet()) {
            if (!anchor.getValue().contains(level)) {
                continue;
            }
            try {
                CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
                PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor.getKey(), null)));
                parameters.setRevocationEnabled(false);
                parameters.setDate(new Date());
                CertPathValidator.getInstance("PKIX").validate(path, parameters);
                return true;
            } catch (GeneralSecurityException e) {
                // not this anchor; try the next
            }
        }
        return false;
    }
}
