package norc.session;

import java.util.UUID;
import norc.crypto.Aead;
import norc.crypto.Blake3;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.JsonCodec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.message.NorcMessage;

/**
 * The receiving half of a session (profile §4.4). For each frame, in this order: parse the header
 * strictly; drop a replayed or too-old sequence silently; open the AEAD (failure: silent discard,
 * counted); check {@code prev_message_hash} against the last accepted frame (mismatch: discard,
 * counted, integrity alert, no explanation to the peer); only then move the replay window and the
 * chain; then unpad and decode the payload. After {@code maxFailures} failed frames the result asks
 * the caller to close the connection. In 1.x there is no sequence or chain on the wire: an implicit
 * counter from 0 supplies the nonce and AAD. Not thread-safe.
 */
public final class ReceiveSession {

    /** Why a frame was dropped without an answer. */
    public enum DiscardReason { REPLAY, AEAD_FAILURE, CHAIN_MISMATCH }

    /** The outcome of {@link #open}. */
    public sealed interface Received {}

    /** An authentic, fresh, in-chain frame and its decoded message. */
    public record Accepted(NorcMessage message, UUID messageId, long sequence) implements Received {}

    /** A frame dropped silently; {@code closeConnection} once failures reached the limit. */
    public record Discarded(DiscardReason reason, boolean closeConnection) implements Received {}

    /** Told of every hash-chain mismatch, e.g. to write an audit event and bump a metric. */
    @FunctionalInterface
    public interface IntegrityListener {
        IntegrityListener NONE = (sessionId, sequence) -> { };

        void chainMismatch(UUID sessionId, long sequence);
    }

    private final SessionKeys keys;
    private final Codec codec;
    private final boolean fromClient;
    private final byte[] key;
    private final Aead aead;
    private final int major;
    private final int minor;
    private final ReplayWindow window;
    private final int maxFailures;
    private final IntegrityListener listener;
    private byte[] lastHash = new byte[FrameHeader.HASH_LENGTH];
    /**
     * Groups profile D when {@code tk_update_v1} was negotiated: {@code null} until the first frame
     * passes AEAD under {@code k[0]}, whose sequence is {@code s0} (clarification F.8).
     */
    private TrafficKeys epochs;
    private final boolean keyUpdates;
    private long implicitCounter;
    private long accepted;
    private long replayDiscards;
    private long aeadFailures;
    private long chainMismatches;

    /**
     * @param fromClient whether the frames this receives come from the client (selects {@code k_c2s})
     * @param windowSize replay window, at least 1024
     * @param maxFailures failed frames (AEAD or chain) after which the connection closes (profile default 8)
     */
    public ReceiveSession(SessionKeys keys, Codec codec, boolean fromClient, int windowSize, int maxFailures,
                          IntegrityListener listener) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be at least 1");
        }
        this.keys = keys;
        this.codec = codec;
        this.fromClient = fromClient;
        this.key = fromClient ? keys.clientToServer() : keys.serverToClient();
        this.aead = keys.suite().aead();
        this.major = keys.version().major();
        this.minor = keys.version().minor();
        this.window = new ReplayWindow(windowSize);
        this.maxFailures = maxFailures;
        this.listener = listener;
        this.keyUpdates = keys.has(SessionKeys.TK_UPDATE);
    }

    /** Frames accepted so far (authentic and in chain). */
    public long accepted() {
        return accepted;
    }

    /**
     * Opens one WebSocket message. Returns {@link Accepted} or {@link Discarded}; throws
     * {@link NorcException} when the frame is malformed or (after it was accepted) its payload is
     * invalid, unknown, or not allowed from this sender; the caller answers with an {@code error}.
     */
    public Received open(byte[] frame) {
        int typeCode;
        UUID messageId;
        long sequence;
        byte[] prevHash;
        byte[] sealed; // holds the ciphertext at [ciphertextOffset, +ciphertextLength)
        int ciphertextOffset;
        int ciphertextLength;
        if (codec.encoding() == WireEncoding.BINARY) {
            FrameHeader header = FrameHeader.parse(frame, major, minor);
            typeCode = header.typeCode();
            messageId = header.messageId();
            sequence = major == 1 ? implicitCounter : header.sequenceNumber();
            prevHash = header.prevMessageHash();
            // the ciphertext is opened and hashed in place: no copy of the frame on the hot path
            sealed = frame;
            ciphertextOffset = FrameHeader.lengthFor(major);
            ciphertextLength = frame.length - ciphertextOffset;
        } else {
            JsonFrame json = ((JsonCodec) codec).decodeRecord(JsonFrame.class, null, frame);
            if (!keys.version().toString().equals(json.v())) {
                throw new NorcException(ErrorCode.INVALID_HEADER, "frame version does not match the session");
            }
            if (json.sequenceNumber().isPresent() == (major == 1) || json.prevMessageHash().isPresent() == (major == 1)) {
                throw new NorcException(ErrorCode.INVALID_HEADER, "sequence fields do not match the session version");
            }
            MessageType named = MessageType.fromName(json.type());
            if (named == null) {
                throw new NorcException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown type member");
            }
            typeCode = named.codeFor(major);
            messageId = json.messageId();
            sequence = major == 1 ? implicitCounter : json.sequenceNumber().get();
            prevHash = json.prevMessageHash().orElse(null);
            sealed = json.ciphertext();
            ciphertextOffset = 0;
            ciphertextLength = sealed.length;
        }
        if (ciphertextLength < Aead.TAG_LENGTH) {
            throw new NorcException(ErrorCode.INVALID_HEADER, "ciphertext shorter than its tag");
        }
        if (major != 1 && !window.isFresh(sequence)) {
            replayDiscards++;
            return new Discarded(DiscardReason.REPLAY, false);
        }
        byte[] aad = Aad.v1(major, minor, typeCode, sequence, messageId, ciphertextLength,
                major == 1 ? null : prevHash, keys.transcriptHash());
        byte[] padded;
        long epoch = 0;
        byte[] frameKey = key;
        if (keyUpdates && epochs != null) {
            // the current epoch or the next (derived on demand); any other is an AEAD failure (profile D)
            epoch = epochs.epochOf(sequence);
            frameKey = epoch == epochs.epoch() || epoch == epochs.epoch() + 1 ? epochs.peek(epoch) : null;
        }
        try {
            if (frameKey == null) {
                throw new NorcException(ErrorCode.DECRYPT_FAILED, "frame of another epoch");
            }
            padded = aead.open(frameKey, SendSession.nonce(sequence), aad, sealed, ciphertextOffset, ciphertextLength);
        } catch (NorcException e) {
            aeadFailures++;
            return new Discarded(DiscardReason.AEAD_FAILURE, failures() >= maxFailures);
        }
        if (major != 1) {
            if (!java.security.MessageDigest.isEqual(prevHash, lastHash)) {
                chainMismatches++;
                listener.chainMismatch(keys.sessionId(), sequence);
                return new Discarded(DiscardReason.CHAIN_MISMATCH, failures() >= maxFailures);
            }
            window.markAccepted(sequence);
            lastHash = Blake3.hash(sealed, ciphertextOffset, ciphertextLength);
        } else {
            implicitCounter++;
        }
        if (keyUpdates) {
            if (epochs == null) {
                epochs = new TrafficKeys(key.clone(), major == 1 ? 0 : sequence);
            } else {
                epochs.advanceTo(epoch); // erases k[n] once a frame of n + 1 passed
            }
        }
        accepted++;
        MessageType type = MessageType.fromCode(typeCode, major);
        if (type == null || type == MessageType.CONNECTION_REQUEST || type == MessageType.CONNECTION_ACCEPTED) {
            throw new NorcException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown type code in an authentic frame");
        }
        if (!type.sender().allows(fromClient)) {
            throw new NorcException(ErrorCode.UNEXPECTED_MESSAGE, "type not allowed from this side");
        }
        int payloadLength = Padding.payloadLength(padded, Padding.isChunkFrame(type));
        NorcMessage message = codec.decodePayload(type, padded, 4, payloadLength);
        return new Accepted(message, messageId, sequence);
    }

    public long replayDiscards() {
        return replayDiscards;
    }

    public long aeadFailures() {
        return aeadFailures;
    }

    public long chainMismatches() {
        return chainMismatches;
    }

    private long failures() {
        return aeadFailures + chainMismatches;
    }
}
