package norc.server.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import norc.crypto.Bytes;
import norc.server.tls.TlsMaterial;

/**
 * A server secret of a fixed length kept as hex in a file readable by its owner only, created with
 * random bytes on first start. Several nodes starting together on one shared file all read the
 * first node's secret: a new one is written next to the file and linked into place, so a
 * half-written file is never seen and a second creator keeps the first one's.
 */
public final class SecretFile {
    private SecretFile() {}

    /**
     * The secret in {@code file}, created if it does not exist. {@code setting} names the setting
     * in error messages; {@code ifLost} says what restoring a wrong or lost file would cost.
     */
    public static byte[] loadOrCreate(Path file, int length, String setting, String ifLost) {
        try {
            if (!Files.exists(file)) {
                create(file, length);
            }
            byte[] secret;
            try {
                secret = Bytes.unhex(Files.readString(file, StandardCharsets.US_ASCII).strip());
            } catch (IllegalArgumentException e) {
                secret = new byte[0];
            }
            if (secret.length != length) {
                throw new IllegalStateException(file + " (" + setting + ") does not hold a " + length
                        + "-byte key in hex; restore it from backup (" + ifLost + ")");
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file + " (" + setting + ")", e);
        }
    }

    private static void create(Path file, int length) throws IOException {
        byte[] secret = new byte[length];
        new SecureRandom().nextBytes(secret);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, ".secret", ".tmp");
        try {
            TlsMaterial.restrict(temporary);
            Files.writeString(temporary, Bytes.hex(secret) + "\n", StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException e) {
                // another node created it first: use theirs
            } catch (UnsupportedOperationException e) { // no hard links on this file system: a plain move
                Files.move(temporary, file);
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
            Files.deleteIfExists(temporary);
        }
    }
}
