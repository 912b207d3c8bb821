package norc.bench;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.crypto.CipherSuite;
import norc.session.Padding;
import norc.session.ReceiveSession;
import norc.session.SendSession;
import norc.session.SessionKeys;
import norc.wire.BinaryCodec;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireLimits;
import norc.wire.message.ExtensionMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Session frames (profile §4), native 2.0, suite 0001, binary encoding, client to server.
 *
 * <p>The payload is an {@code extension} message whose {@code extension_data} is sized so that
 * {@code u32(len) || payload} fills the padding bucket exactly ({@code paddedSize} bytes of
 * plaintext, {@code paddedSize + 16} of ciphertext, plus the 64-byte header). Its codec work is
 * three fields, so the numbers isolate the frame layer; per-type codec costs are in
 * {@link CodecBenchmark}.
 *
 * <ul>
 *   <li>{@link #seal}: {@code SendSession.seal(message, messageId)}: encode payload, pad, build
 *   {@code AAD_v1}, ChaCha20-Poly1305, write header, BLAKE3 of the ciphertext for the next
 *   {@code prev_message_hash}. The frame id is given (as for {@code message_send} and
 *   {@code message_ack}, which reuse their own id); other types would add one
 *   {@code UUID.randomUUID()} (see {@code PrimitiveBenchmark.uuidRandom}).</li>
 *   <li>{@link #open}: {@code ReceiveSession.open(frame)}: parse header, copy out the ciphertext,
 *   replay-window check, AEAD open, chain check, BLAKE3 of the ciphertext, window update, unpad
 *   (zero check), decode. Every call needs a fresh sequence number in chain order, so
 *   {@value #RING} consecutive frames are sealed once at set-up and opened in order; when the
 *   cursor wraps, a new {@code ReceiveSession} (same keys) starts over. That construction (one
 *   128-byte window bitmap) is timed too, amortised over {@value #RING} opens.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FrameBenchmark {
    static final int RING = 256;

    @State(Scope.Thread)
    public static class Frames {
        /** Padded plaintext size: the minimum bucket and a 4 KiB bucket. */
        @Param({"256", "4096"})
        public int paddedSize;

        SessionKeys keys;
        Codec codec;
        ExtensionMessage message;
        UUID messageId;
        SendSession sender;
        byte[][] ring;
        ReceiveSession receiver;
        int cursor;

        @Setup
        public void setUp() {
            SecureRandom random = BenchRandom.create();
            keys = new SessionKeys(ProtocolVersion.NATIVE, CipherSuite.S0001, false, UUID.randomUUID(), "a.example",
                    new byte[32], bytes(random, 32), bytes(random, 32), bytes(random, 32));
            codec = new BinaryCodec(WireLimits.DEFAULT);
            message = filling(codec, paddedSize);
            messageId = UUID.randomUUID();
            sender = new SendSession(keys, codec, true, SendSession.randomInitialSequence(random));

            SendSession ringSender = new SendSession(keys, codec, true, 0);
            ring = new byte[RING][];
            for (int i = 0; i < RING; i++) {
                ring[i] = ringSender.seal(message, messageId);
            }
            int expected = 64 + paddedSize + 16;
            if (ring[0].length != expected) {
                throw new IllegalStateException("frame is " + ring[0].length + " bytes, expected " + expected);
            }
            receiver = newReceiver();
            for (int i = 0; i < RING; i++) { // every pre-sealed frame must be accepted
                if (!(receiver.open(ring[i]) instanceof ReceiveSession.Accepted)) {
                    throw new IllegalStateException("frame " + i + " not accepted");
                }
            }
            receiver = newReceiver();
            cursor = 0;
        }

        ReceiveSession newReceiver() {
            return new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        }
    }

    /** An {@code extension} message whose padded payload is exactly {@code paddedSize} bytes. */
    static ExtensionMessage filling(Codec codec, int paddedSize) {
        ExtensionMessage empty = new ExtensionMessage("norc_bench", "1.0", new byte[0]);
        int overhead = codec.encodePayload(empty).length;
        int dataLength = paddedSize - 4 - overhead;
        ExtensionMessage message = new ExtensionMessage("norc_bench", "1.0", new byte[dataLength]);
        int payload = codec.encodePayload(message).length;
        if (payload + 4 != paddedSize || Padding.paddedLength(payload) != paddedSize) {
            throw new IllegalStateException("cannot fill a " + paddedSize + "-byte bucket");
        }
        for (int i = 0; i < dataLength; i++) {
            message.extensionData()[i] = (byte) (i * 31 + 7);
        }
        return message;
    }

    static byte[] bytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Benchmark
    public byte[] seal(Frames f) {
        return f.sender.seal(f.message, f.messageId);
    }

    @Benchmark
    public ReceiveSession.Received open(Frames f) {
        int i = f.cursor;
        if (i == RING) {
            f.receiver = f.newReceiver();
            i = 0;
        }
        f.cursor = i + 1;
        return f.receiver.open(f.ring[i]);
    }
}
