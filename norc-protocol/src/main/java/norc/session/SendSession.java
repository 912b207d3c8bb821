package norc.session;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Aead;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.JsonCodec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;

/**
 * The sending half of a session (profile §4): encodes a message, pads it, seals it under this
 * direction's traffic key with {@code nonce = 0^32 || u64(sequence)} and {@code AAD_v1}, and frames
 * it for the subprotocol. It owns the sequence counter and the hash chain of what it sent. Not
 * thread-safe: one per connection direction, driven by the connection's actor.
 */
public final class SendSession {
    private static final int SEQUENCE_START_BOUND = 1 << 24;

    private final SessionKeys keys;
    private final Codec codec;
    private final byte[] key;
    /** The epochs of groups profile D when {@code tk_update_v1} was negotiated, else {@code null} (one key). */
    private final TrafficKeys epochs;
    private final Aead aead;
    private final int major;
    private final int minor;
    private long nextSequence;
    private long sent;
    private byte[] prevHash = new byte[FrameHeader.HASH_LENGTH];

    /**
     * @param fromClient whether this side is the client (selects {@code k_c2s})
     * @param initialSequence where the 2.x sequence starts, below 2^24 (ignored in 1.x, which counts from 0)
     */
    public SendSession(SessionKeys keys, Codec codec, boolean fromClient, long initialSequence) {
        if (initialSequence < 0 || initialSequence >= SEQUENCE_START_BOUND) {
            throw new IllegalArgumentException("initial sequence must be below 2^24");
        }
        this.keys = keys;
        this.codec = codec;
        this.key = fromClient ? keys.clientToServer() : keys.serverToClient();
        this.aead = keys.suite().aead();
        this.major = keys.version().major();
        this.minor = keys.version().minor();
        this.nextSequence = major == 1 ? 0 : initialSequence;
        this.epochs = keys.has(SessionKeys.TK_UPDATE) ? new TrafficKeys(key.clone(), nextSequence) : null;
    }

    /** Frames sealed so far. */
    public long sent() {
        return sent;
    }

    /** A random start below 2^24 (spec §6.6). */
    public static long randomInitialSequence(SecureRandom random) {
        return random.nextInt(SEQUENCE_START_BOUND);
    }

    /** Seals a message; message-bearing types reuse their own id as the frame's {@code message_id}. */
    public byte[] seal(NorcMessage message) {
        UUID id;
        if (message instanceof MessageSend send) {
            id = send.messageId();
        } else if (message instanceof MessageAck ack) {
            id = ack.messageId();
        } else {
            id = UUID.randomUUID();
        }
        return seal(message, id);
    }

    /** Seals a message under an explicit frame {@code message_id}; returns the WebSocket message bytes. */
    public byte[] seal(NorcMessage message, UUID messageId) {
        MessageType type = message.messageType();
        int typeCode = type.codeFor(major);
        byte[] payload = codec.encodePayload(message);
        byte[] padded = Padding.pad(payload, 0, payload.length, Padding.isChunkFrame(type));
        long sequence = nextSequence;
        int ciphertextLength = padded.length + Aead.TAG_LENGTH;
        byte[] aad = Aad.v1(major, minor, typeCode, sequence, messageId, ciphertextLength,
                major == 1 ? null : prevHash, keys.transcriptHash());
        byte[] ciphertext = aead.seal(epochs == null ? key : epochs.advanceTo(epochs.epochOf(sequence)), nonce(sequence), aad, padded);
        byte[] frame;
        if (codec.encoding() == WireEncoding.BINARY) {
            int headerLength = FrameHeader.lengthFor(major);
            frame = new byte[headerLength + ciphertext.length];
            new FrameHeader(major, minor, typeCode, ciphertext.length, messageId, sequence, prevHash).writeTo(frame, 0);
            System.arraycopy(ciphertext, 0, frame, headerLength, ciphertext.length);
        } else {
            JsonFrame json = new JsonFrame(ciphertext, messageId,
                    major == 1 ? Optional.empty() : Optional.of(prevHash),
                    major == 1 ? Optional.empty() : Optional.of(sequence),
                    type.wireName(), keys.version().toString());
            frame = ((JsonCodec) codec).encodeRecord(json, null);
        }
        if (major != 1) {
            prevHash = Blake3.hash(ciphertext);
        }
        nextSequence = sequence + 1;
        sent++;
        return frame;
    }

    /** The sequence number the next frame will carry. */
    public long nextSequence() {
        return nextSequence;
    }

    /** {@code 0x00000000 || u64(sequence)} (profile §4.2). */
    static byte[] nonce(long sequence) {
        byte[] nonce = new byte[Aead.NONCE_LENGTH];
        Bytes.putU64(nonce, 4, sequence);
        return nonce;
    }
}
