package norc.bench;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.crypto.AesGcm;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.crypto.HkdfBlake3;
import norc.crypto.MlKem768;
import norc.crypto.X25519;
import norc.session.Aad;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The raw floor: each primitive the protocol is built from, called through the same
 * {@code norc.crypto} wrappers the protocol uses (so argument checks, the per-thread digest and
 * cipher caches and the result allocation are included). Inputs are shaped like the protocol's:
 * Ed25519 signs the 52 bytes {@code "norc:server-hello:v1" || th}; the AEADs take a 95-byte
 * {@code AAD_v1}; HKDF derives the 32-byte master secret from a 32-byte salt, 32-byte IKM and a
 * 47-byte info.
 *
 * <p>AEAD seals advance an 8-byte counter in the nonce on every call: the JDK refuses to
 * re-initialise ChaCha20-Poly1305 (and AES-GCM for encryption) with the key and nonce of its
 * previous use, and the wrapper would then pay for a detour initialisation that protocol use
 * (sequence-number nonces, fresh keys) never pays. Opens alternate between two ciphertexts for
 * the same reason.
 *
 * <p>Methods named {@code bc*} are "what if" references, not protocol paths: BouncyCastle calls
 * that skip work the wrappers redo on every call (Ed25519 sign re-deriving the public key, verify
 * re-decoding it, ML-KEM decapsulation re-expanding the key from its 64-byte seed).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrimitiveBenchmark {
    private static final int SMALL = 256;
    private static final int ONE_KIB = 1024;
    private static final int FOUR_KIB = 4096;

    private SecureRandom random;

    private byte[] edSecret;
    private byte[] edPublic;
    private byte[] edMessage;
    private byte[] edSignature;
    private org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint edPublicPoint;

    private byte[] xSecret;
    private byte[] xPeerPublic;

    private byte[] mlkemEncapsulationKey;
    private byte[] mlkemSeed;
    private byte[] mlkemCiphertext;
    private MLKEMPrivateKeyParameters mlkemExpanded;

    private byte[] data256;
    private byte[] data1k;
    private byte[] data4k;

    private byte[] aeadKey;
    private byte[] aad;
    private byte[] nonce;
    private long counter;
    private byte[][] sealed4k;
    private byte[][] sealed4kNonces;
    private int openCursor;

    private byte[] hkdfSalt;
    private byte[] hkdfIkm;
    private byte[] hkdfInfo;

    @Setup
    public void setUp() {
        random = BenchRandom.create();

        Ed25519.KeyPair ed = Ed25519.generate(random);
        edSecret = ed.secretKey();
        edPublic = ed.publicKey();
        edMessage = new byte[20 + 32]; // "norc:server-hello:v1" || th
        random.nextBytes(edMessage);
        edSignature = Ed25519.sign(edSecret, edMessage);
        edPublicPoint = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(edPublic, 0);

        xSecret = X25519.generate(random).secretKey();
        xPeerPublic = X25519.generate(random).publicKey();

        MlKem768.KeyPair kem = MlKem768.generate(random);
        mlkemEncapsulationKey = kem.encapsulationKey();
        mlkemSeed = kem.decapsulationKey();
        mlkemCiphertext = MlKem768.encapsulate(mlkemEncapsulationKey, random).ciphertext();
        mlkemExpanded = new MLKEMPrivateKeyParameters(MLKEMParameters.ml_kem_768, mlkemSeed);

        data256 = randomBytes(SMALL);
        data1k = randomBytes(ONE_KIB);
        data4k = randomBytes(FOUR_KIB);

        aeadKey = randomBytes(32);
        aad = Aad.v1(2, 0, 0x10, 42, UUID.randomUUID(), FOUR_KIB + 16, randomBytes(32), randomBytes(32));
        nonce = new byte[12];
        sealed4k = new byte[2][];
        sealed4kNonces = new byte[2][];
        for (int i = 0; i < 2; i++) {
            sealed4kNonces[i] = new byte[12];
            Bytes.putU64(sealed4kNonces[i], 4, 1_000 + i);
            sealed4k[i] = ChaCha20Poly1305.INSTANCE.seal(aeadKey, sealed4kNonces[i], aad, data4k);
        }

        hkdfSalt = randomBytes(32);
        hkdfIkm = randomBytes(32);
        hkdfInfo = HkdfBlake3.info("norc:ms:v1", "2.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                Bytes.u16(0x0001), randomBytes(32));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A nonce no earlier call used: {@code 0^32 || u64(counter)}, as frames build them. */
    private byte[] nextNonce() {
        Bytes.putU64(nonce, 4, ++counter);
        return nonce;
    }

    // ---- signatures and key agreement --------------------------------------------------------

    @Benchmark
    public byte[] ed25519Sign() {
        return Ed25519.sign(edSecret, edMessage);
    }

    @Benchmark
    public boolean ed25519Verify() {
        return Ed25519.verify(edPublic, edSignature, edMessage);
    }

    /** X25519 with a peer key: the handshake's {@code X25519(eph_s, eph_c)}. */
    @Benchmark
    public byte[] x25519Agree() {
        return X25519.agree(xSecret, xPeerPublic);
    }

    /** X25519 with the base point: deriving an ephemeral public key (once per handshake side and per wrap). */
    @Benchmark
    public byte[] x25519PublicKey() {
        return X25519.publicKeyOf(xSecret);
    }

    /** Includes the FIPS 203 §7.2 input check of the 1184-byte key and drawing 32 random bytes. */
    @Benchmark
    public MlKem768.Encapsulation mlkem768Encapsulate() {
        return MlKem768.encapsulate(mlkemEncapsulationKey, random);
    }

    /** Includes re-expanding the decapsulation key from its 64-byte seed (the wrapper does so on every call). */
    @Benchmark
    public byte[] mlkem768Decapsulate() {
        return MlKem768.decapsulate(mlkemSeed, mlkemCiphertext);
    }

    // ---- hashing and key derivation ----------------------------------------------------------

    @Benchmark
    public byte[] blake3_256B() {
        return Blake3.hash(data256, 0, data256.length);
    }

    @Benchmark
    public byte[] blake3_4KiB() {
        return Blake3.hash(data4k, 0, data4k.length);
    }

    /** Extract + one Expand block: two keyed BLAKE3 calls. */
    @Benchmark
    public byte[] hkdfBlake3Derive32() {
        return HkdfBlake3.derive(hkdfSalt, hkdfIkm, hkdfInfo, 32);
    }

    // ---- AEADs (JDK) -------------------------------------------------------------------------

    @Benchmark
    public byte[] chacha20Poly1305Seal_256B() {
        return ChaCha20Poly1305.INSTANCE.seal(aeadKey, nextNonce(), aad, data256);
    }

    @Benchmark
    public byte[] chacha20Poly1305Seal_1KiB() {
        return ChaCha20Poly1305.INSTANCE.seal(aeadKey, nextNonce(), aad, data1k);
    }

    @Benchmark
    public byte[] chacha20Poly1305Seal_4KiB() {
        return ChaCha20Poly1305.INSTANCE.seal(aeadKey, nextNonce(), aad, data4k);
    }

    @Benchmark
    public byte[] chacha20Poly1305Open_4KiB() {
        int i = openCursor;
        openCursor = i ^ 1;
        return ChaCha20Poly1305.INSTANCE.open(aeadKey, sealed4kNonces[i], aad, sealed4k[i]);
    }

    @Benchmark
    public byte[] aes256GcmSeal_4KiB() {
        return AesGcm.INSTANCE.seal(aeadKey, nextNonce(), aad, data4k);
    }

    // ---- other per-message costs -------------------------------------------------------------

    /** What {@code SendSession.seal(message)} pays for a frame id when the type has none of its own. */
    @Benchmark
    public UUID uuidRandom() {
        return UUID.randomUUID();
    }

    // ---- "what if" references (BouncyCastle direct, not protocol paths) ----------------------

    /** Ed25519 sign given the public key too: BouncyCastle then skips one base-point multiplication. */
    @Benchmark
    public byte[] bcEd25519SignWithPublicKey() {
        byte[] sig = new byte[64];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(edSecret, 0, edPublic, 0, edMessage, 0, edMessage.length, sig, 0);
        return sig;
    }

    /** Ed25519 verify against a public key decoded once (a cached peer or server key). */
    @Benchmark
    public boolean bcEd25519VerifyDecodedKey() {
        return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(edSignature, 0, edPublicPoint, edMessage, 0,
                edMessage.length);
    }

    /** ML-KEM-768 decapsulation with the expanded key kept (no re-expansion from the seed). */
    @Benchmark
    public byte[] bcMlkem768DecapsulateExpandedKey() {
        return new MLKEMExtractor(mlkemExpanded).extractSecret(mlkemCiphertext);
    }
}
