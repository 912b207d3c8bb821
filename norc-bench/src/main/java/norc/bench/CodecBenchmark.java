package norc.bench;

import java.util.concurrent.TimeUnit;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.NorcMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Payload encoding and strict decoding (profile §4.3) of one sample per message type
 * ({@link SampleMessages}), in both encodings: {@code Codec.encodePayload} and
 * {@code Codec.decodePayload}, the calls a session makes around the AEAD. Decoding includes every
 * check the codec makes (limits, canonical map order, atoms, UTF-8; for JSON the canonical
 * re-encoding comparison it does). Both parameters default to every constant of their enum, so a
 * new message type is measured without editing this class; restrict a run with
 * {@code -p type=MESSAGE_SEND,MESSAGE_ACK -p encoding=BINARY}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {
    @Param
    public MessageType type;

    @Param
    public WireEncoding encoding;

    private Codec codec;
    private NorcMessage sample;
    private byte[] encoded;

    @Setup
    public void setUp() {
        codec = encoding.codec(WireLimits.DEFAULT);
        sample = SampleMessages.checked(type, codec);
        encoded = codec.encodePayload(sample);
    }

    @Benchmark
    public byte[] encode() {
        return codec.encodePayload(sample);
    }

    @Benchmark
    public NorcMessage decode() {
        return codec.decodePayload(type, encoded, 0, encoded.length);
    }
}
