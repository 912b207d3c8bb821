package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import norc.crypto.Aead;
import norc.crypto.Bytes;
import norc.crypto.CipherSuite;
import norc.error.NorcException;
import norc.session.Aad;
import norc.session.Padding;
import norc.session.ReceiveSession.Accepted;
import norc.session.ReceiveSession.Discarded;
import norc.session.ReceiveSession.IntegrityListener;
import norc.session.ReceiveSession.Received;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.SessionKeys;
import norc.wire.message.NorcMessage;

/**
 * Jazzer fuzz targets for the strict decoders (profile §4.3) and the frame layer (profile §4.1–4.5).
 * The contract of every target: decoding either succeeds with a result that is exactly what the
 * input said, or fails with {@link NorcException}; any other exception or error is a finding.
 *
 * <p>Under plain {@code mvn test} each target runs once per file of its committed seed corpus in
 * {@code src/test/resources/norc/wire/WireFuzzTestInputs/<target>/} (regression mode). With
 * {@code JAZZER_FUZZ=1} a single target is fuzzed; see {@code docs/fuzzing.md}. The corpus is
 * produced by {@link WireSeedCorpusTest}.
 */
class WireFuzzTest {
    /** Small bounds keep every execution cheap; they are well above every seed's needs. */
    static final WireLimits LIMITS = new WireLimits(16 * 1024, 64, 1024);
    static final BinaryCodec BINARY = new BinaryCodec(LIMITS);
    static final JsonCodec JSON = new JsonCodec(LIMITS);

    static final SessionKeys KEYS_V2 = keys(new ProtocolVersion(2, 0));
    static final SessionKeys KEYS_V1 = keys(new ProtocolVersion(1, 2));

    /** Client-to-server messages a sender may seal (AUTH_RESPONSE is server-only: it must be refused). */
    static final List<NorcMessage> SAMPLES = samples();

    private static final int WINDOW = 1024;
    private static final int MAX_FAILURES = 8;

    static SessionKeys keys(ProtocolVersion version) {
        return new SessionKeys(version, CipherSuite.S0001, version.major() == 1,
                UUID.fromString("6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"), "a.example", filled(32, 0x11), filled(32, 0x22),
                filled(32, 0x33), filled(32, 0x44));
    }

    private static List<NorcMessage> samples() {
        List<NorcMessage> out = new ArrayList<>();
        MessageType[] types = {MessageType.MESSAGE_ACK, MessageType.MESSAGE_SEND, MessageType.PRESENCE_UPDATE,
            MessageType.KEY_REQUEST, MessageType.TIME_SYNC, MessageType.AUTH_REQUEST, MessageType.ERROR,
            MessageType.AUTH_RESPONSE};
        for (MessageType type : types) {
            out.add(new SampleMessages(type.code()).message(type));
        }
        return List.copyOf(out);
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    static ReceiveSession receiver(SessionKeys keys, Codec codec) {
        return new ReceiveSession(keys, codec, true, WINDOW, MAX_FAILURES, IntegrityListener.NONE);
    }

    // ---- (a), (b): standalone messages ---------------------------------------------------

    @FuzzTest(maxDuration = "2m")
    void binaryPayloadDecoder(byte[] data) {
        NorcMessage message;
        try {
            message = BINARY.decodeMessage(data);
        } catch (NorcException expected) {
            return;
        }
        assertThat(BINARY.encodeMessage(message)).as("re-encoding of an accepted %s", message.messageType()).isEqualTo(data);
    }

    @FuzzTest(maxDuration = "2m")
    void jsonDecoder(byte[] data) {
        NorcMessage message;
        try {
            message = JSON.decodeMessage(data);
        } catch (NorcException expected) {
            return;
        }
        assertThat(JSON.encodeMessage(message)).as("re-encoding of an accepted %s", message.messageType()).isEqualTo(data);
    }

    // ---- (c): frames -------------------------------------------------------------------------

    /** Any bytes as one binary frame of a fresh 2.0 session (a 1.2 session when the first byte is 1). */
    @FuzzTest(maxDuration = "2m")
    void frameDecoder(byte[] data) {
        SessionKeys keys = data.length > 0 && data[0] == 1 ? KEYS_V1 : KEYS_V2;
        openWithinContract(receiver(keys, BINARY), data);
    }

    /** Any bytes as one JSON frame of a fresh 2.0 session (1.2 when the input contains {@code "v":"1.2"}). */
    @FuzzTest(maxDuration = "2m")
    void jsonFrameDecoder(byte[] data) {
        boolean v1 = new String(data, StandardCharsets.ISO_8859_1).contains("\"v\":\"1.2\"");
        openWithinContract(receiver(v1 ? KEYS_V1 : KEYS_V2, JSON), data);
    }

    /**
     * A real session: frames sealed by a {@link SendSession}, delivered in an order the fuzzer
     * picks, replayed, truncated or with bytes flipped. Beyond the contract: a frame is accepted
     * only if the sender produced exactly those bytes, and never twice.
     */
    @FuzzTest(maxDuration = "2m")
    void sealedFrameDecoder(FuzzedDataProvider data) {
        SessionKeys keys = data.consumeBoolean() ? KEYS_V1 : KEYS_V2;
        SendSession sender = new SendSession(keys, BINARY, true, data.consumeLong(0, (1 << 24) - 1));
        ReceiveSession receiver = receiver(keys, BINARY);
        List<byte[]> sent = new ArrayList<>();
        Set<ByteBuffer> genuine = new HashSet<>();
        Set<ByteBuffer> accepted = new HashSet<>();
        int steps = data.consumeInt(1, 8);
        for (int step = 0; step < steps; step++) {
            byte[] frame;
            int action = sent.isEmpty() ? 0 : data.consumeInt(0, 3);
            if (action == 0) {
                frame = sender.seal(data.pickValue(SAMPLES), new UUID(0x5EA1, step));
                sent.add(frame);
                genuine.add(ByteBuffer.wrap(frame));
            } else if (action == 1) {
                frame = data.pickValue(sent);
            } else {
                frame = mutate(data.pickValue(sent).clone(), data, action == 3);
            }
            Received result = openWithinContract(receiver, frame);
            if (result instanceof Accepted) {
                ByteBuffer key = ByteBuffer.wrap(frame);
                assertThat(genuine).as("accepted frame was produced by the sender").contains(key);
                assertThat(accepted.add(key)).as("frame accepted twice").isTrue();
            }
        }
    }

    /**
     * The plaintext behind a valid AEAD tag, chosen by the fuzzer, as the first frame of a fresh
     * session: {@code data = type u8 || sequence u64 || flags u8 || payload}. Flag bit 0: the payload
     * is the raw padded plaintext (padding not applied); bit 1: a 1.2 session. An authentic first
     * frame is never discarded, and an accepted payload re-encodes to exactly the bytes sent.
     */
    @FuzzTest(maxDuration = "2m")
    void authenticFrameDecoder(byte[] data) {
        byte[] head = Arrays.copyOf(data, 10); // missing header bytes read as zero
        int typeCode = head[0] & 0xFF;
        long sequence = ByteBuffer.wrap(head, 1, 8).getLong();
        boolean rawPlaintext = (head[9] & 1) != 0;
        SessionKeys keys = (head[9] & 2) != 0 ? KEYS_V1 : KEYS_V2;
        byte[] payload = data.length > 10 ? Arrays.copyOfRange(data, 10, data.length) : new byte[0];
        byte[] frame = sealAuthentic(keys, typeCode, sequence, rawPlaintext ? payload : Padding.pad(payload));
        Received result = openWithinContract(receiver(keys, BINARY), frame);
        if (result == null) {
            return;
        }
        assertThat(result).as("an authentic first frame").isInstanceOf(Accepted.class);
        NorcMessage message = ((Accepted) result).message();
        assertThat(message.messageType().codeFor(keys.version().major())).isEqualTo(typeCode);
        if (!rawPlaintext) {
            assertThat(BINARY.encodePayload(message)).isEqualTo(payload);
        }
    }

    /** Opens a frame; returns the result, or null when it was refused with a NorcException. */
    private static Received openWithinContract(ReceiveSession receiver, byte[] frame) {
        Received result;
        try {
            result = receiver.open(frame);
        } catch (NorcException expected) {
            return null;
        }
        assertThat(result).isNotNull().isInstanceOfAny(Accepted.class, Discarded.class);
        return result;
    }

    private static byte[] mutate(byte[] frame, FuzzedDataProvider data, boolean resize) {
        if (resize) {
            int newLength = data.consumeInt(0, frame.length + 16);
            return Arrays.copyOf(frame, newLength);
        }
        int flips = data.consumeInt(1, 4);
        for (int i = 0; i < flips && frame.length > 0; i++) {
            int at = data.consumeInt(0, frame.length - 1);
            frame[at] ^= data.consumeByte();
        }
        return frame;
    }

    /**
     * Seals {@code padded} as the first client frame of a session with {@code keys}, exactly as
     * {@link SendSession} would (profile §4.2), but with any type code, sequence and plaintext.
     */
    static byte[] sealAuthentic(SessionKeys keys, int typeCode, long sequence, byte[] padded) {
        int major = keys.version().major();
        int minor = keys.version().minor();
        long seq = major == 1 ? 0 : sequence;
        UUID messageId = new UUID(0xA07E, seq);
        byte[] prevHash = new byte[FrameHeader.HASH_LENGTH];
        int ciphertextLength = padded.length + Aead.TAG_LENGTH;
        byte[] aad = Aad.v1(major, minor, typeCode, seq, messageId, ciphertextLength, major == 1 ? null : prevHash,
                keys.transcriptHash());
        byte[] nonce = new byte[Aead.NONCE_LENGTH];
        Bytes.putU64(nonce, 4, seq);
        byte[] ciphertext = keys.suite().aead().seal(keys.clientToServer(), nonce, aad, padded);
        int headerLength = FrameHeader.lengthFor(major);
        byte[] frame = new byte[headerLength + ciphertext.length];
        new FrameHeader(major, minor, typeCode, ciphertext.length, messageId, seq, prevHash).writeTo(frame, 0);
        System.arraycopy(ciphertext, 0, frame, headerLength, ciphertext.length);
        return frame;
    }
}
