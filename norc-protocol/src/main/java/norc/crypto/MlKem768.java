package norc.crypto;

import java.security.SecureRandom;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * ML-KEM-768 (FIPS 203), the post-quantum half of suite 0101's hybrid key exchange (wire profile
 * §3: {@code pq_public_key bytes(1184)}, {@code pq_ciphertext bytes(1088)},
 * {@code ss = X25519(..) || mlkem_shared_secret}), over BouncyCastle's {@code crypto.kems}.
 *
 * <p>The decapsulation key is kept in its 64-byte seed form {@code d || z} (FIPS 203 §7.1
 * {@code ML-KEM.KeyGen_internal}); the expanded 2400-byte form is rebuilt from it on each
 * {@link #decapsulate}. Encapsulation keys from a peer pass the FIPS 203 §7.2 input checks (length
 * and modulus) before use.
 */
public final class MlKem768 {
    public static final int ENCAPSULATION_KEY_LENGTH = 1184;
    public static final int DECAPSULATION_KEY_LENGTH = 64;
    public static final int CIPHERTEXT_LENGTH = 1088;
    public static final int SHARED_SECRET_LENGTH = 32;

    private static final MLKEMParameters PARAMS = MLKEMParameters.ml_kem_768;
    private static final int Q = 3329;
    /** Bytes of the encoded vector {@code t} (3 polynomials of 256 12-bit coefficients); rho follows. */
    private static final int T_LENGTH = 3 * 256 * 12 / 8;

    private MlKem768() {
    }

    /** A key pair: the 1184-byte encapsulation key and the 64-byte seed {@code d || z}. */
    public record KeyPair(byte[] encapsulationKey, byte[] decapsulationKey) {
        @Override
        public String toString() {
            return "MlKem768.KeyPair[encapsulationKey=" + encapsulationKey.length + " bytes]"; // never the seed
        }
    }

    /** The result of encapsulation: the 1088-byte ciphertext and the 32-byte shared secret. */
    public record Encapsulation(byte[] ciphertext, byte[] sharedSecret) {
        @Override
        public String toString() {
            return "MlKem768.Encapsulation[ciphertext=" + ciphertext.length + " bytes]"; // never the secret
        }
    }

    /** A fresh key pair: a random 64-byte seed expanded by {@link #fromSeed}. */
    public static KeyPair generate(SecureRandom random) {
        byte[] seed = new byte[DECAPSULATION_KEY_LENGTH];
        random.nextBytes(seed);
        return fromSeed(seed);
    }

    /**
     * The key pair of a 64-byte seed {@code d || z} ({@code ML-KEM.KeyGen_internal(d, z)}).
     *
     * @throws NorcException {@code INVALID_FIELD} if the seed is not 64 bytes
     */
    public static KeyPair fromSeed(byte[] seed64) {
        MLKEMPrivateKeyParameters sk = privateKey(seed64);
        return new KeyPair(sk.getPublicKey(), seed64.clone());
    }

    /**
     * Whether {@code encapsulationKey} passes FIPS 203 §7.2: 1184 bytes, and every 12-bit
     * coefficient of its vector {@code t} is below q = 3329.
     */
    public static boolean isValidEncapsulationKey(byte[] encapsulationKey) {
        if (encapsulationKey == null || encapsulationKey.length != ENCAPSULATION_KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < T_LENGTH; i += 3) {
            int b0 = encapsulationKey[i] & 0xFF;
            int b1 = encapsulationKey[i + 1] & 0xFF;
            int b2 = encapsulationKey[i + 2] & 0xFF;
            int c0 = b0 | ((b1 & 0x0F) << 8);
            int c1 = (b1 >>> 4) | (b2 << 4);
            if (c0 >= Q || c1 >= Q) {
                return false;
            }
        }
        return true;
    }

    /**
     * Encapsulates a fresh shared secret to {@code encapsulationKey}, drawing the 32-byte message
     * {@code m} from {@code random}.
     *
     * @throws NorcException {@code WEAK_KEY} if the key fails the FIPS 203 §7.2 checks
     */
    public static Encapsulation encapsulate(byte[] encapsulationKey, SecureRandom random) {
        if (!isValidEncapsulationKey(encapsulationKey)) {
            throw new NorcException(ErrorCode.WEAK_KEY, "ML-KEM-768 encapsulation key fails the FIPS 203 input check");
        }
        MLKEMPublicKeyParameters pk;
        try {
            pk = new MLKEMPublicKeyParameters(PARAMS, encapsulationKey); // repeats the modulus check
        } catch (IllegalArgumentException e) {
            throw new NorcException(ErrorCode.WEAK_KEY, "ML-KEM-768 encapsulation key rejected");
        }
        SecretWithEncapsulation result = new MLKEMGenerator(random).generateEncapsulated(pk);
        return new Encapsulation(result.getEncapsulation(), result.getSecret());
    }

    /**
     * The 32-byte shared secret of {@code ciphertext}. A well-formed but wrong ciphertext yields the
     * implicit-rejection secret (FIPS 203), not an error.
     *
     * @throws NorcException {@code INVALID_FIELD} if the key is not 64 bytes or the ciphertext not
     *     1088 bytes
     */
    public static byte[] decapsulate(byte[] decapsulationKey, byte[] ciphertext) {
        if (ciphertext == null || ciphertext.length != CIPHERTEXT_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "ML-KEM-768 ciphertext must be 1088 bytes");
        }
        MLKEMPrivateKeyParameters sk = privateKey(decapsulationKey);
        return new MLKEMExtractor(sk).extractSecret(ciphertext);
    }

    private static MLKEMPrivateKeyParameters privateKey(byte[] seed64) {
        if (seed64 == null || seed64.length != DECAPSULATION_KEY_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "ML-KEM-768 decapsulation key must be a 64-byte seed");
        }
        return new MLKEMPrivateKeyParameters(PARAMS, seed64);
    }
}
