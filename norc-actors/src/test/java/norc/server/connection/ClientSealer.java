package norc.server.connection;

import java.util.Optional;
import java.util.UUID;
import norc.crypto.Aead;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.session.Aad;
import norc.session.JsonFrame;
import norc.session.Padding;
import norc.session.ReceiveSession;
import norc.session.SessionKeys;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.JsonCodec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.message.NorcMessage;

/**
 * The client's half of a session after the handshake: seals what the client sends, exactly as
 * {@code SendSession} does (profile §4.1–4.5: sequence, hash chain, {@code AAD_v1}, binary or JSON
 * frame), but for any type code and any plaintext, and on request off the sequence or off the
 * chain, so that fuzzed payloads arrive authentic; and
 * opens what the server sends with a real {@link ReceiveSession}.
 */
final class ClientSealer {
    private final SessionKeys keys;
    private final Codec codec;
    private final int major;
    private final int minor;
    private final ReceiveSession fromServer;
    private long nextSequence;
    private byte[] prevHash = new byte[FrameHeader.HASH_LENGTH];

    ClientSealer(SessionKeys keys, Codec codec, long initialSequence) {
        this.keys = keys;
        this.codec = codec;
        this.major = keys.version().major();
        this.minor = keys.version().minor();
        this.fromServer = new ReceiveSession(keys, codec, false, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        this.nextSequence = major == 1 ? 0 : initialSequence;
    }

    SessionKeys keys() {
        return keys;
    }

    Codec codec() {
        return codec;
    }

    /** A message as the client sends it: encoded in the session's encoding, padded, sealed. */
    byte[] seal(NorcMessage message) {
        return sealPlaintext(message.messageType().codeFor(major), Padding.pad(codec.encodePayload(message)));
    }

    /** Any payload bytes under any type code, padded and sealed. */
    byte[] sealPayload(int typeCode, byte[] payload) {
        return sealPlaintext(typeCode, Padding.pad(payload));
    }

    /** Any plaintext (padding included, or not) under any type code, sealed. */
    byte[] sealPlaintext(int typeCode, byte[] plaintext) {
        return sealAt(nextSequence, typeCode, plaintext, true);
    }

    /** A payload sealed {@code offset} sequence numbers away from the next one; the count goes on from there. */
    byte[] sealOffSequence(int typeCode, byte[] payload, int offset) {
        return sealAt(Math.max(0, nextSequence + offset), typeCode, Padding.pad(payload), true);
    }

    /** A payload sealed with a {@code prev_message_hash} that is not the last frame's; the chain stays where it was. */
    byte[] sealOffChain(int typeCode, byte[] payload) {
        return sealAt(nextSequence, typeCode, Padding.pad(payload), false);
    }

    private byte[] sealAt(long sequence, int typeCode, byte[] plaintext, boolean onChain) {
        byte[] chain = onChain ? prevHash : Blake3.hash(prevHash);
        UUID messageId = new UUID(0xC11E_57L, sequence);
        int ciphertextLength = plaintext.length + Aead.TAG_LENGTH;
        byte[] aad = Aad.v1(major, minor, typeCode, sequence, messageId, ciphertextLength, major == 1 ? null : chain,
                keys.transcriptHash());
        byte[] nonce = new byte[Aead.NONCE_LENGTH];
        Bytes.putU64(nonce, 4, sequence);
        byte[] ciphertext = keys.suite().aead().seal(keys.clientToServer(), nonce, aad, plaintext);
        byte[] frame = codec.encoding() == WireEncoding.BINARY ? binaryFrame(typeCode, messageId, sequence, chain, ciphertext)
                : jsonFrame(typeCode, messageId, sequence, chain, ciphertext);
        if (major != 1 && onChain) {
            prevHash = Blake3.hash(ciphertext);
        }
        nextSequence = sequence + 1;
        return frame;
    }

    /** Opens a frame from the server; throws {@code NorcException} when it is malformed. */
    ReceiveSession.Received open(byte[] frame) {
        return fromServer.open(frame);
    }

    private byte[] binaryFrame(int typeCode, UUID messageId, long sequence, byte[] chain, byte[] ciphertext) {
        int headerLength = FrameHeader.lengthFor(major);
        byte[] frame = new byte[headerLength + ciphertext.length];
        new FrameHeader(major, minor, typeCode, ciphertext.length, messageId, sequence, chain).writeTo(frame, 0);
        System.arraycopy(ciphertext, 0, frame, headerLength, ciphertext.length);
        return frame;
    }

    /** The JSON frame names its type; a code without a name gets one the server does not know. */
    private byte[] jsonFrame(int typeCode, UUID messageId, long sequence, byte[] chain, byte[] ciphertext) {
        MessageType type = MessageType.fromCode(typeCode, major);
        JsonFrame json = new JsonFrame(ciphertext, messageId, major == 1 ? Optional.empty() : Optional.of(chain),
                major == 1 ? Optional.empty() : Optional.of(sequence), type == null ? "unknown_type" : type.wireName(),
                keys.version().toString());
        return ((JsonCodec) codec).encodeRecord(json, null);
    }
}
