package norc.files;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.crypto.HkdfBlake3;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.Padding;
import norc.wire.BinaryCodec;
import norc.wire.WireLimits;
import norc.wire.message.FileManifest;

/**
 * File encryption (groups profile B.1), shared by senders, recipients and the server's size checks:
 * <pre>
 * k_chunk    = HKDF(salt = file_id, ikm = file_key, "norc:file:chunk:v1", 32)
 * k_manifest = HKDF(salt = file_id, ikm = file_key, "norc:file:manifest:v1", 32)
 * chunk i    = 65536 plaintext bytes; the last zero-padded to bucket(len) = max(256, next power of two ≥ len)
 * c_i        = ChaCha20-Poly1305(k_chunk, 0^4 || u64(i), file_id || u32(i) || u32(chunk_count), chunk i)
 * signature  = Ed25519(sender sk, "norc:file:v1" || file_id || conversation_id || u32(chunk_count)
 *              || u64(padded_size) || B3(enc(Plain \ signature)))
 * encrypted_manifest = ChaCha20-Poly1305(k_manifest, 0^12, file_id || conversation_id || u32(chunk_count)
 *              || u64(padded_size), pad(enc(Plain)))
 * </pre>
 */
public final class FileCrypto {
    public static final int CHUNK_SIZE = 65536;
    public static final int MAX_CHUNKS = 1600;
    public static final long MAX_FILE_SIZE = (long) CHUNK_SIZE * MAX_CHUNKS;
    public static final int TAG_LENGTH = 16;
    public static final String SIGNATURE_LABEL = "norc:file:v1";

    private static final byte[] LABEL = SIGNATURE_LABEL.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_NONCE = new byte[12];
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);

    private FileCrypto() {
    }

    public static byte[] chunkKey(byte[] fileKey, UUID fileId) {
        return HkdfBlake3.derive(Bytes.uuidBytes(fileId), fileKey, HkdfBlake3.info("norc:file:chunk:v1"), 32);
    }

    public static byte[] manifestKey(byte[] fileKey, UUID fileId) {
        return HkdfBlake3.derive(Bytes.uuidBytes(fileId), fileKey, HkdfBlake3.info("norc:file:manifest:v1"), 32);
    }

    /** {@code max(1, ceil(size / 65536))}. */
    public static int chunkCount(long size) {
        if (size < 0 || size > MAX_FILE_SIZE) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "file larger than the maximum file size");
        }
        return (int) Math.max(1, (size + CHUNK_SIZE - 1) / CHUNK_SIZE);
    }

    /** {@code max(256, next power of two ≥ len)} for {@code 0 ≤ len ≤ 65536}. */
    public static int bucket(int length) {
        if (length < 0 || length > CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk length out of range");
        }
        return length <= 256 ? 256 : Integer.highestOneBit(length - 1) << 1;
    }

    /** The last chunk's plaintext length: {@code size − 65536·(chunk_count − 1)}. */
    public static int lastLength(long size) {
        return (int) (size - (long) CHUNK_SIZE * (chunkCount(size) - 1));
    }

    public static long paddedSize(long size) {
        return (long) CHUNK_SIZE * (chunkCount(size) - 1) + bucket(lastLength(size));
    }

    /** Whether {@code n} is a bucket size a last chunk may have: 256, 512, …, 65536. */
    public static boolean isBucket(long n) {
        return n >= 256 && n <= CHUNK_SIZE && Long.bitCount(n) == 1;
    }

    /**
     * The exact ciphertext length of chunk {@code index} of a file of {@code chunkCount} chunks and
     * {@code paddedSize} padded bytes, or {@code -1} if those parameters describe no file (the last
     * chunk not a bucket size, or the size not fitting the count). What the server checks uploads against.
     */
    public static long chunkCiphertextLength(long chunkCount, long paddedSize, long index) {
        if (chunkCount < 1 || chunkCount > MAX_CHUNKS || index < 0 || index >= chunkCount) {
            return -1;
        }
        long last = paddedSize - (long) CHUNK_SIZE * (chunkCount - 1);
        if (!isBucket(last)) {
            return -1;
        }
        return (index == chunkCount - 1 ? last : CHUNK_SIZE) + TAG_LENGTH;
    }

    public static byte[] chunkNonce(long index) {
        byte[] nonce = new byte[12];
        Bytes.putU64(nonce, 4, index);
        return nonce;
    }

    public static byte[] chunkAad(UUID fileId, long index, long chunkCount) {
        return Bytes.concat(Bytes.uuidBytes(fileId), Bytes.u32(index), Bytes.u32(chunkCount));
    }

    /** {@code c_i} for plaintext chunk {@code index} ({@code plain[off, off+len)}, padded here if it is the last). */
    public static byte[] encryptChunk(byte[] chunkKey, UUID fileId, long index, long chunkCount,
                                      byte[] plain, int off, int len) {
        boolean last = index == chunkCount - 1;
        if (!last && len != CHUNK_SIZE) {
            throw new IllegalArgumentException("only the last chunk may be short");
        }
        byte[] padded = new byte[last ? bucket(len) : CHUNK_SIZE];
        System.arraycopy(plain, off, padded, 0, len);
        return ChaCha20Poly1305.INSTANCE.seal(chunkKey, chunkNonce(index), chunkAad(fileId, index, chunkCount), padded);
    }

    /**
     * The plaintext of chunk {@code index} after checking {@code B3(c_i) = chunk_hashes[i]}; for the
     * last chunk, its {@code expectedLength} bytes after checking the zero padding.
     */
    public static byte[] decryptChunk(byte[] chunkKey, UUID fileId, long index, FileManifest.Plain plain, byte[] ciphertext) {
        int count = plain.chunkHashes().size();
        if (index < 0 || index >= count || !java.security.MessageDigest.isEqual(Blake3.hash(ciphertext), plain.chunkHashes().get((int) index))) {
            throw new NorcException(ErrorCode.DECRYPT_FAILED, "chunk does not match the manifest");
        }
        byte[] padded = ChaCha20Poly1305.INSTANCE.open(chunkKey, chunkNonce(index), chunkAad(fileId, index, count), ciphertext);
        if (index < count - 1) {
            return padded;
        }
        int length = lastLength(plain.size());
        if (padded.length != bucket(length) || !Bytes.isAllZero(padded, length, padded.length - length)) {
            throw new NorcException(ErrorCode.DECRYPT_FAILED, "last chunk padding");
        }
        return java.util.Arrays.copyOf(padded, length);
    }

    /** {@code "norc:file:v1" || file_id || conversation_id || u32(chunk_count) || u64(padded_size) || B3(enc(Plain \ signature))}. */
    public static byte[] signatureInput(UUID fileId, UUID conversationId, long chunkCount, long paddedSize,
                                        FileManifest.Plain plain) {
        byte[] withoutSignature = BINARY.encodeRecord(plain);
        withoutSignature = java.util.Arrays.copyOf(withoutSignature, withoutSignature.length - 4 - Ed25519.SIGNATURE_LENGTH);
        return Bytes.concat(LABEL, Bytes.uuidBytes(fileId), Bytes.uuidBytes(conversationId), Bytes.u32(chunkCount),
                Bytes.u64(paddedSize), Blake3.hash(withoutSignature));
    }

    /** The manifest plaintext, signed by the sender's device. */
    public static FileManifest.Plain signPlain(byte[] senderSecretKey, UUID fileId, UUID conversationId, String name,
                                               String mimeType, long size, List<byte[]> chunkHashes,
                                               String senderUserId, UUID senderDeviceId) {
        FileManifest.Plain unsigned = new FileManifest.Plain(name, mimeType, size, chunkHashes, senderUserId, senderDeviceId,
                new byte[Ed25519.SIGNATURE_LENGTH]);
        byte[] signature = Ed25519.sign(senderSecretKey,
                signatureInput(fileId, conversationId, chunkHashes.size(), paddedSize(size), unsigned));
        return new FileManifest.Plain(name, mimeType, size, chunkHashes, senderUserId, senderDeviceId, signature);
    }

    public static boolean verifyPlain(byte[] senderPublicKey, UUID fileId, UUID conversationId, long chunkCount,
                                      long paddedSize, FileManifest.Plain plain) {
        return Ed25519.verify(senderPublicKey, plain.signature(),
                signatureInput(fileId, conversationId, chunkCount, paddedSize, plain));
    }

    public static byte[] manifestAad(UUID fileId, UUID conversationId, long chunkCount, long paddedSize) {
        return Bytes.concat(Bytes.uuidBytes(fileId), Bytes.uuidBytes(conversationId), Bytes.u32(chunkCount), Bytes.u64(paddedSize));
    }

    public static byte[] encryptManifest(byte[] manifestKey, UUID fileId, UUID conversationId, long chunkCount,
                                         long paddedSize, FileManifest.Plain plain) {
        return ChaCha20Poly1305.INSTANCE.seal(manifestKey, ZERO_NONCE, manifestAad(fileId, conversationId, chunkCount, paddedSize),
                Padding.pad(BINARY.encodeRecord(plain)));
    }

    /**
     * The plaintext of {@code manifest.encrypted_manifest}, after checking that its size, chunk
     * count and padded size agree with the manifest's clear fields (its signature is the caller's to
     * check, against the sender's key it names).
     */
    public static FileManifest.Plain decryptManifest(byte[] manifestKey, FileManifest manifest) {
        byte[] padded = ChaCha20Poly1305.INSTANCE.open(manifestKey, ZERO_NONCE,
                manifestAad(manifest.fileId(), manifest.conversationId(), manifest.chunkCount(), manifest.paddedSize()),
                manifest.encryptedManifest());
        FileManifest.Plain plain = BINARY.decodeRecord(FileManifest.Plain.class, padded, 4, Padding.payloadLength(padded));
        if (plain.size() < 0 || plain.size() > MAX_FILE_SIZE || chunkCount(plain.size()) != manifest.chunkCount()
                || paddedSize(plain.size()) != manifest.paddedSize() || plain.chunkHashes().size() != manifest.chunkCount()) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "manifest size, chunk count and padded size disagree");
        }
        return plain;
    }
}
