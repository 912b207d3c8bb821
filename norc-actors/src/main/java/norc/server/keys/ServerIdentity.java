package norc.server.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.server.tls.TlsMaterial;

/**
 * The server's long-term Ed25519 identity (profile §3: it signs {@code connection_accepted} and
 * {@code time_sync}; clients pin it). Generated on first start into
 * {@code <data-dir>/identity/server-ed25519.key} (hex seed, readable by the owner only) and loaded
 * on every later start, so clients keep trusting the server across restarts. Every node of a
 * cluster is the same server and must hold the same key: {@code norc.identity-key} names a file
 * they share (a Kubernetes Secret, or the first node's file in a local cluster).
 */
public record ServerIdentity(byte[] secretKey, byte[] publicKey) {
    public static final String KEY_FILE = "server-ed25519.key";

    /** {@code file}: {@code norc.identity-key}, by default {@code <data-dir>/identity/server-ed25519.key}. */
    public static ServerIdentity loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                byte[] seed = Bytes.unhex(Files.readString(file).strip());
                if (seed.length != Ed25519.SECRET_KEY_LENGTH) {
                    throw new IllegalStateException(file + " does not hold a 32-byte Ed25519 seed in hex; restore it from backup"
                            + " or delete it to create a new identity (clients that pinned the old key will refuse the new one)");
                }
                return new ServerIdentity(seed, Ed25519.publicKeyOf(seed));
            }
            Ed25519.KeyPair pair = Ed25519.generate(new SecureRandom());
            Files.createDirectories(file.getParent());
            TlsMaterial.writeOwnerOnly(file, (Bytes.hex(pair.secretKey()) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new ServerIdentity(pair.secretKey(), pair.publicKey());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the server identity key " + file, e);
        }
    }

    @Override
    public String toString() {
        return "ServerIdentity[publicKey=" + Bytes.hex(publicKey) + "]"; // never the secret
    }
}
