package norc.bench;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The {@link SecureRandom} handed to code under measurement: the JDK's pure-Java {@code DRBG}
 * (SP 800-90A), seeded once at set-up, so that a measured call draws random bytes without
 * reading {@code /dev/urandom}. A server would use the same algorithm family; the default
 * {@code NativePRNG} mixes in device reads, which a microbenchmark should not time.
 * {@code UUID.randomUUID()} inside the protocol code still uses the JDK's own static generator.
 */
final class BenchRandom {
    private BenchRandom() {}

    static SecureRandom create() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG SecureRandom missing from this JDK", e);
        }
    }
}
