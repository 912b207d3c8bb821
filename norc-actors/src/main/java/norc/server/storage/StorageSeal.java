package norc.server.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import norc.crypto.Bytes;
import norc.server.keys.SecretFile;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * What keeps user, device and conversation ids out of the journal database in clear (spec §6.3,
 * §6.18): entities that hold them are stored under a <em>pseudonymous</em> persistence id
 * ({@link #persistenceId}) and their events and snapshots are <em>sealed</em> with
 * ChaCha20-Poly1305 ({@link #seal}, used by {@link SealedEvents} and {@link SealedSnapshots}).
 * A copy of the database, a backup, or the operator of a PostgreSQL server shared with others
 * learns row counts, sizes and times, and no id or payload.
 *
 * <p>Both keys derive from one 32-byte secret in {@code norc.storage.key-file} ({@code
 * HMAC-SHA256(secret, label)}): every node of a cluster must use the same file, and losing it
 * makes the journal unreadable, so it is backed up with the database. A sealed value is {@code
 * 0x01 || key id (4) || nonce (12) || ciphertext || tag (16)}, with the persistence id as associated
 * data (a row copied under another entity does not open), where the key id names the secret
 * ({@code HMAC-SHA256(secret, "norc storage key id v1")}, first 4 bytes) so a node holding another
 * secret says so instead of reporting a corrupt row. Nonces are random: well within the 2^32
 * messages per key a 96-bit random nonce allows at NORC's volumes. Thread-safe.
 */
public final class StorageSeal {
    public static final int SECRET_LENGTH = 32;
    private static final byte VERSION = 1;
    private static final int KEY_ID_BYTES = 4;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BYTES = 16;
    private static final int HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES;
    private static final Pattern PSEUDONYM = Pattern.compile("s[0-9a-f]{32}");
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private final SecretKeySpec sealKey;
    private final SecretKeySpec idKey;
    private final byte[] keyId;
    private final EntityNames entityNames;

    private StorageSeal(byte[] secret) {
        if (secret.length != SECRET_LENGTH) {
            throw new IllegalArgumentException("the storage secret must be " + SECRET_LENGTH + " bytes");
        }
        SecretKeySpec master = new SecretKeySpec(secret, "HmacSHA256");
        this.sealKey = new SecretKeySpec(hmac(master, "norc storage seal v1".getBytes(StandardCharsets.US_ASCII)), "ChaCha20");
        this.idKey = new SecretKeySpec(hmac(master, "norc storage id v1".getBytes(StandardCharsets.US_ASCII)), "HmacSHA256");
        this.keyId = Arrays.copyOf(hmac(master, "norc storage key id v1".getBytes(StandardCharsets.US_ASCII)), KEY_ID_BYTES);
        this.entityNames = new EntityNames(hmac(master, "norc entity name v1".getBytes(StandardCharsets.US_ASCII)));
    }

    /** The pseudonymous names of sharded entities, under a key from the same secret. */
    public EntityNames entityNames() {
        return entityNames;
    }

    public static StorageSeal of(byte[] secret) {
        return new StorageSeal(secret.clone());
    }

    /** Reads the secret, or creates it (owner-only) if the file does not exist yet. */
    public static StorageSeal loadOrCreate(Path file) {
        byte[] secret = SecretFile.loadOrCreate(file, SECRET_LENGTH, "norc.storage.key-file",
                "without the key the journal cannot be read");
        StorageSeal seal = new StorageSeal(secret);
        Arrays.fill(secret, (byte) 0);
        return seal;
    }

    /**
     * The persistence id of entity {@code entityId} of type {@code type}: {@code type|s} followed by
     * 32 hex digits of {@code HMAC-SHA256(id key, type "|" entityId)}. Stable for a secret; the
     * entity id cannot be recovered from it.
     */
    public PersistenceId persistenceId(String type, String entityId) {
        return PersistenceId.of(type, pseudonym(type, entityId));
    }

    /** The id part of {@link #persistenceId}. */
    public String pseudonym(String type, String entityId) {
        byte[] full = hmac(idKey, (type + "|" + entityId).getBytes(StandardCharsets.UTF_8));
        return "s" + Bytes.hex(Arrays.copyOf(full, 16));
    }

    /** Whether an id part is already a {@link #pseudonym} (of some secret), not a clear entity id. */
    public static boolean isPseudonym(String idPart) {
        return PSEUDONYM.matcher(idPart).matches();
    }

    /** Seals {@code plain} for the row of {@code persistenceId}. */
    public byte[] seal(byte[] plain, String persistenceId) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.get().nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
            cipher.init(Cipher.ENCRYPT_MODE, sealKey, new IvParameterSpec(nonce));
            cipher.updateAAD(persistenceId.getBytes(StandardCharsets.UTF_8));
            ByteBuffer out = ByteBuffer.allocate(HEADER + plain.length + TAG_BYTES);
            out.put(VERSION).put(keyId).put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plain), out);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available", e);
        }
    }

    /** Opens what {@link #seal} produced for the same persistence id, or fails saying why. */
    public byte[] open(byte[] sealed, String persistenceId) {
        if (sealed.length < HEADER + TAG_BYTES || sealed[0] != VERSION) {
            throw new IllegalStateException("a stored row of " + persistenceId + " is not a sealed value of version " + VERSION);
        }
        if (!Arrays.equals(sealed, 1, 1 + KEY_ID_BYTES, keyId, 0, KEY_ID_BYTES)) {
            throw new IllegalStateException("a stored row of " + persistenceId + " was sealed under storage key "
                    + Bytes.hex(Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_BYTES)) + ", this node holds " + Bytes.hex(keyId)
                    + ": every node must use the same norc.storage.key-file");
        }
        try {
            Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
            cipher.init(Cipher.DECRYPT_MODE, sealKey, new IvParameterSpec(sealed, 1 + KEY_ID_BYTES, NONCE_BYTES));
            cipher.updateAAD(persistenceId.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, HEADER, sealed.length - HEADER);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("a stored row of " + persistenceId + " fails its integrity check (changed, or moved from another entity)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 is not available", e);
        }
    }

    /** The key id a sealed value was written under, in hex; empty if it is not a sealed value. */
    public static java.util.Optional<String> keyIdOf(byte[] sealed) {
        if (sealed.length < HEADER + TAG_BYTES || sealed[0] != VERSION) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Bytes.hex(Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_BYTES)));
    }

    /** The key id in hex, for logs and the operator: names the secret without revealing it. */
    public String keyId() {
        return Bytes.hex(keyId);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "StorageSeal[" + keyId() + "]"; // never the secret
    }
}
