package norc.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import norc.wire.BinaryCodec;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.ProtocolVersion;
import norc.wire.WireLimits;
import norc.wire.message.FileChunk;
import norc.wire.message.FileChunkUpload;
import org.junit.jupiter.api.Test;

/**
 * Groups profile B.3 (clarification F.7): a {@code file_chunk_upload} or {@code file_chunk} frame
 * whose padded plaintext would pass 64 KiB is padded to the next multiple of 4 KiB; every other
 * type keeps the 64 KiB step.
 */
class ChunkFramePaddingTest {
    @Test
    void aFullChunkFrameIs69632BytesOfPaddedPlaintext() {
        assertThat(Padding.paddedLength(16 + 4 + 4 + 65552, true)).isEqualTo(69_632);
        assertThat(Padding.paddedLength(16 + 4 + 4 + 65552, false)).isEqualTo(131_072);
        assertThat(Padding.paddedLength(1000, true)).isEqualTo(1024); // below 64 KiB: powers of two, as for every type
        assertThat(Padding.paddedLength(65_532, true)).isEqualTo(65_536);
        assertThat(Padding.paddedLength(65_533, true)).isEqualTo(65_536 + 4096);
    }

    @Test
    void chunkFramesRoundTripWithTheSmallerStep() {
        SessionKeys keys = SessionTest.keys(ProtocolVersion.NATIVE, java.util.Set.of());
        Codec codec = new BinaryCodec(WireLimits.DEFAULT);
        SendSession server = new SendSession(keys, codec, false, 5);
        ReceiveSession client = new ReceiveSession(keys, codec, false, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        FileChunk chunk = new FileChunk(UUID.randomUUID(), 3, new byte[65_552]);
        byte[] frame = server.seal(chunk);
        assertThat(frame).hasSize(FrameHeader.lengthFor(2) + 69_632 + 16);
        assertThat(client.open(frame)).isInstanceOf(ReceiveSession.Accepted.class);

        SendSession sender = new SendSession(keys, codec, true, 9);
        ReceiveSession receiver = new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        FileChunkUpload upload = new FileChunkUpload(UUID.randomUUID(), UUID.randomUUID(), 2, 65_536 + 256, 0, new byte[65_552]);
        byte[] up = sender.seal(upload);
        assertThat(receiver.open(up)).isInstanceOf(ReceiveSession.Accepted.class);
    }
}
