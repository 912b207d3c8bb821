package norc.server.storage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMSIVBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * What keeps user and device ids out of actor names, and so out of every log line that carries an
 * actor path (spec §6.3, §6.18): a sharded entity is not named by the id it holds but by a
 * <em>pseudonym</em>, {@code "n"} followed by the unpadded base64url of the id encrypted under
 * AES-256-GCM-SIV (RFC 8452) with a fixed nonce and the entity type as associated data.
 *
 * <p>Deterministic on purpose: every node must route the same id to the same entity, so a log
 * reader sees a stable opaque token, exactly what an HMAC would show. Unlike an HMAC, the entity
 * itself can turn its name back into the id it holds ({@link #clearId}); GCM-SIV is the AEAD
 * made for this use (a repeated nonce reveals only that two inputs are equal). The key derives
 * from the storage secret ({@link StorageSeal#entityNames()}), so every node of a cluster names
 * entities alike. The journal's persistence ids are a separate HMAC of the clear id
 * ({@link StorageSeal#persistenceId}), unchanged by this. Thread-safe.
 */
public final class EntityNames {
    private static final String PREFIX = "n";
    private static final int KEY_BYTES = 32;
    private static final int TAG_BITS = 128;
    private static final byte[] NONCE = new byte[12];
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    EntityNames(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("an entity name key is " + KEY_BYTES + " bytes");
        }
        this.key = key.clone();
    }

    /** The entity id (actor name) under which entity type {@code type} holds {@code clearId}. */
    public String name(String type, String clearId) {
        byte[] plain = clearId.getBytes(StandardCharsets.UTF_8);
        GCMSIVBlockCipher cipher = cipher(true, type);
        byte[] out = new byte[cipher.getOutputSize(plain.length)];
        cipher.processBytes(plain, 0, plain.length, out, 0);
        try {
            cipher.doFinal(out, 0);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM-SIV refused to encrypt", e);
        }
        return PREFIX + ENCODER.encodeToString(out);
    }

    /** The id an entity named {@code name} holds; fails for a name this key did not make. */
    public String clearId(String type, String name) {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not an entity name of type " + type);
        }
        byte[] sealed;
        try {
            sealed = DECODER.decode(name.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an entity name of type " + type);
        }
        GCMSIVBlockCipher cipher = cipher(false, type);
        cipher.processBytes(sealed, 0, sealed.length, null, 0);
        byte[] plain = new byte[cipher.getOutputSize(0)];
        try {
            cipher.doFinal(plain, 0);
        } catch (InvalidCipherTextException | IllegalStateException e) {
            throw new IllegalArgumentException("an entity name of type " + type
                    + " that this storage key did not make (every node must use the same norc.storage.key-file)");
        }
        return new String(plain, StandardCharsets.UTF_8);
    }

    private GCMSIVBlockCipher cipher(boolean encrypt, String type) {
        GCMSIVBlockCipher cipher = new GCMSIVBlockCipher(AESEngine.newInstance());
        byte[] aad = type.getBytes(StandardCharsets.UTF_8);
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, NONCE, aad));
        return cipher;
    }
}
