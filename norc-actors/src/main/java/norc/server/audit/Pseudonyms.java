package norc.server.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import norc.crypto.Bytes;
import norc.server.tls.TlsMaterial;

/**
 * The audit log's pseudonyms (spec §6.18: user ids HMAC-pseudonymised; devices and conversations
 * too): {@code HMAC-SHA256(secret, "<key>:" || id)}, the first 16 bytes in lowercase hex, behind a
 * prefix naming what it stands for: {@code u:} user ({@code key} "user", the id as given),
 * {@code d:} device and {@code c:} conversation ({@code key} "device" / "conversation", the UUID in
 * its lowercase string form). The same id gives the same pseudonym under one secret, so entries
 * about one user can be followed without naming the user; with the secret, an operator can check
 * whether an entry concerns a given id, and without it nobody can.
 *
 * <p>The secret is 32 random bytes in hex in {@code norc.audit.secret-file}, created on first start
 * readable by the owner only. Every node of a cluster must use the same file, or a user would have
 * one pseudonym per node. Thread-safe.
 */
public final class Pseudonyms {
    public static final int SECRET_LENGTH = 32;
    public static final int PSEUDONYM_BYTES = 16;

    private final SecretKeySpec key;

    private Pseudonyms(byte[] secret) {
        if (secret.length != SECRET_LENGTH) {
            throw new IllegalArgumentException("the audit secret must be " + SECRET_LENGTH + " bytes");
        }
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    public static Pseudonyms of(byte[] secret) {
        return new Pseudonyms(secret.clone());
    }

    /** Reads the secret, or creates it (owner-only) if the file does not exist yet. */
    public static Pseudonyms loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            byte[] secret;
            try {
                secret = Bytes.unhex(Files.readString(file, StandardCharsets.US_ASCII).strip());
            } catch (IllegalArgumentException e) {
                secret = new byte[0];
            }
            if (secret.length != SECRET_LENGTH) {
                throw new IllegalStateException(file + " (norc.audit.secret-file) does not hold a " + SECRET_LENGTH
                        + "-byte key in hex; restore it from backup (a new key gives every user a new pseudonym)");
            }
            Pseudonyms pseudonyms = new Pseudonyms(secret);
            Arrays.fill(secret, (byte) 0);
            return pseudonyms;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the audit secret " + file + " (norc.audit.secret-file)", e);
        }
    }

    /**
     * Writes a new secret next to {@code file} and links it into place, so that nodes starting
     * together on one shared file all read the first node's secret and a half-written file is never seen.
     */
    private static void create(Path file) throws IOException {
        byte[] secret = new byte[SECRET_LENGTH];
        new SecureRandom().nextBytes(secret);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, ".pseudonym", ".tmp");
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

    public String user(String userId) {
        return "u:" + pseudonym("user", userId);
    }

    public String device(UUID deviceId) {
        return "d:" + pseudonym("device", deviceId.toString());
    }

    public String conversation(UUID conversationId) {
        return "c:" + pseudonym("conversation", conversationId.toString());
    }

    /** The pseudonym of {@code id} under one of {@link AuditEvent#PSEUDONYMISED_KEYS}. */
    String of(String key, String id) {
        return switch (key) {
            case "user" -> user(id);
            case "device" -> "d:" + pseudonym("device", id);
            case "conversation" -> "c:" + pseudonym("conversation", id);
            default -> throw new IllegalArgumentException("not a pseudonymised key: " + key);
        };
    }

    private String pseudonym(String domain, String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] full = mac.doFinal((domain + ":" + id).getBytes(StandardCharsets.UTF_8));
            return Bytes.hex(Arrays.copyOf(full, PSEUDONYM_BYTES));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "Pseudonyms[HMAC-SHA256]"; // never the secret
    }
}
