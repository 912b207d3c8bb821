package norc.server.audit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import norc.crypto.Bytes;
import norc.server.keys.SecretFile;

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
        byte[] secret = SecretFile.loadOrCreate(file, SECRET_LENGTH, "norc.audit.secret-file",
                "a new key gives every user a new pseudonym");
        Pseudonyms pseudonyms = new Pseudonyms(secret);
        Arrays.fill(secret, (byte) 0);
        return pseudonyms;
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
