package norc.session;

import java.util.UUID;
import norc.crypto.Bytes;

/**
 * {@code AAD_v1} (spec §6.10, profile §4.2): 95 bytes of major, minor, type, u64 sequence, 16-byte
 * message id, u32 ciphertext length, 32-byte previous hash, 32-byte transcript hash. The session
 * layer uses it with {@code th}; the end-to-end envelope with 32 zero bytes (profile §6).
 */
public final class Aad {
    public static final int LENGTH = 95;
    private static final byte[] ZERO_32 = new byte[32];

    private Aad() {}

    public static byte[] v1(int major, int minor, int typeCode, long sequence, UUID messageId, long ciphertextLength,
                            byte[] prevHash, byte[] transcriptHash) {
        byte[] aad = new byte[LENGTH];
        aad[0] = (byte) major;
        aad[1] = (byte) minor;
        aad[2] = (byte) typeCode;
        Bytes.putU64(aad, 3, sequence);
        Bytes.putUuid(aad, 11, messageId);
        Bytes.putU32(aad, 27, ciphertextLength);
        System.arraycopy(prevHash == null ? ZERO_32 : prevHash, 0, aad, 31, 32);
        System.arraycopy(transcriptHash == null ? ZERO_32 : transcriptHash, 0, aad, 63, 32);
        return aad;
    }
}
