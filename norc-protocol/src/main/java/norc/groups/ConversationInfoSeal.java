package norc.groups;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.Padding;
import norc.wire.BinaryCodec;
import norc.wire.WireLimits;
import norc.wire.message.ConversationInfo;
import norc.wire.message.MessageSend;

/**
 * A group's info envelope (groups profile A.2), built and opened by member devices; the server
 * never sees the title:
 * <pre>
 * ciphertext = ChaCha20-Poly1305(info_key, 0^12, aad = conversation_id || info_id, pad(enc(Plain)))   (≤ 4 KiB padded)
 * signature  = Ed25519(author sk, "norc:conv-info:v1" || conversation_id || info_id || B3(ciphertext))
 * keys       = info_key wrapped per device as profile §6 with message_id := info_id
 * </pre>
 */
public final class ConversationInfoSeal {
    public static final String SIGNATURE_LABEL = "norc:conv-info:v1";
    /** The padded plaintext's limit (A.2). */
    public static final int MAX_PADDED = 4096;
    public static final int MAX_TITLE_BYTES = 256;

    private static final byte[] LABEL = SIGNATURE_LABEL.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_NONCE = new byte[12];
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);

    private ConversationInfoSeal() {
    }

    /** {@code ChaCha20-Poly1305(info_key, 0^12, conversation_id || info_id, pad(enc(plain)))}. */
    public static byte[] encrypt(byte[] infoKey, UUID conversationId, UUID infoId, ConversationInfo.Plain plain) {
        if (plain.title().getBytes(StandardCharsets.UTF_8).length > MAX_TITLE_BYTES) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "title longer than 256 bytes");
        }
        byte[] padded = Padding.pad(BINARY.encodeRecord(plain));
        if (padded.length > MAX_PADDED) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "info larger than 4 KiB padded");
        }
        return ChaCha20Poly1305.INSTANCE.seal(infoKey, ZERO_NONCE, aad(conversationId, infoId), padded);
    }

    /** The plaintext of an envelope, given its {@code info_key}; {@code DECRYPT_FAILED} or {@code INVALID_FIELD} otherwise. */
    public static ConversationInfo.Plain decrypt(byte[] infoKey, UUID conversationId, ConversationInfo info) {
        byte[] padded = ChaCha20Poly1305.INSTANCE.open(infoKey, ZERO_NONCE, aad(conversationId, info.infoId()), info.ciphertext());
        int length = Padding.payloadLength(padded);
        return BINARY.decodeRecord(ConversationInfo.Plain.class, padded, 4, length);
    }

    public static byte[] aad(UUID conversationId, UUID infoId) {
        return Bytes.concat(Bytes.uuidBytes(conversationId), Bytes.uuidBytes(infoId));
    }

    /** {@code "norc:conv-info:v1" || conversation_id || info_id || B3(ciphertext)}. */
    public static byte[] signatureInput(UUID conversationId, UUID infoId, byte[] ciphertext) {
        return Bytes.concat(LABEL, Bytes.uuidBytes(conversationId), Bytes.uuidBytes(infoId), Blake3.hash(ciphertext));
    }

    /** A signed envelope over {@code ciphertext} with {@code keys} as given. */
    public static ConversationInfo sign(byte[] authorSecretKey, UUID conversationId, UUID infoId, String authorUserId,
                                        UUID authorDeviceId, byte[] ciphertext, Map<UUID, MessageSend.WrappedKey> keys) {
        byte[] signature = Ed25519.sign(authorSecretKey, signatureInput(conversationId, infoId, ciphertext));
        return new ConversationInfo(infoId, authorUserId, authorDeviceId, ciphertext, keys, signature);
    }

    public static boolean verify(byte[] authorPublicKey, UUID conversationId, ConversationInfo info) {
        return Ed25519.verify(authorPublicKey, info.signature(), signatureInput(conversationId, info.infoId(), info.ciphertext()));
    }

    /** {@code info_hash = B3(info_id || ciphertext)} of a stored envelope (A.4), which the server signs. */
    public static byte[] infoHash(ConversationInfo info) {
        return Blake3.hash(Bytes.uuidBytes(info.infoId()), info.ciphertext());
    }
}
