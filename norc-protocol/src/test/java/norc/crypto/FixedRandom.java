package norc.crypto;

import java.security.SecureRandom;

/** A "random" source that hands out fixed bytes, for test vectors that fix the randomness. */
final class FixedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    private int next;

    FixedRandom(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
        if (bytes.length - next < out.length) {
            throw new IllegalStateException("FixedRandom exhausted: asked " + out.length + ", left " + (bytes.length - next));
        }
        System.arraycopy(bytes, next, out, 0, out.length);
        next += out.length;
    }

    /** Whether every fixed byte was consumed. */
    boolean exhausted() {
        return next == bytes.length;
    }
}
