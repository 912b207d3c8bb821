package norc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reassembly of WebSocket message parts and the inbound size cap, without sockets. */
class MessageAssemblerTest {

    @Test
    void binaryPartsAreJoinedAtTheLastOne() throws Exception {
        MessageAssembler assembler = new MessageAssembler(16);
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {1, 2}), false)).isNull();
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {3}), false)).isNull();
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {4}), true)).containsExactly(1, 2, 3, 4);
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {9}), true)).containsExactly(9);
        assertThat(assembler.binary(ByteBuffer.allocate(0), true)).isEmpty();
    }

    @Test
    void textPartsBecomeUtf8() throws Exception {
        MessageAssembler assembler = new MessageAssembler(16);
        assertThat(assembler.text("{\"a\":", false)).isNull();
        assertThat(assembler.text("\"é\"}", true)).isEqualTo("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMessageOverTheCapIsRefusedWhicheverPartCrossesIt() throws Exception {
        MessageAssembler assembler = new MessageAssembler(4);
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), true)).hasSize(4);
        assembler.binary(ByteBuffer.wrap(new byte[3]), false);
        assertThatThrownBy(() -> assembler.binary(ByteBuffer.wrap(new byte[2]), true))
                .isInstanceOf(MessageAssembler.TooLargeException.class);
        // the next message starts clean
        assertThat(assembler.binary(ByteBuffer.wrap(new byte[] {7}), true)).containsExactly(7);

        assertThatThrownBy(() -> assembler.text("abcde", true)).isInstanceOf(MessageAssembler.TooLargeException.class);
        // 2 chars, 4 UTF-8 bytes: fits; 3 chars of 2 bytes: over
        assertThat(assembler.text("éé", true)).hasSize(4);
        assertThatThrownBy(() -> assembler.text("ééé", true)).isInstanceOf(MessageAssembler.TooLargeException.class);
    }

    @Test
    void theDefaultCapLeavesRoomForAFullPayload() {
        assertThat(WebSocketTransport.DEFAULT_MAX_MESSAGE_BYTES).isEqualTo(4 * 1024 * 1024 + 64 * 1024);
    }
}
