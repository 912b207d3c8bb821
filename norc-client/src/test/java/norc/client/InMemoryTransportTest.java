package norc.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory pair: order, holding messages until start, close on both ends. */
class InMemoryTransportTest {

    static final class Recorder implements Transport.Listener {
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onMessage(byte[] message) {
            messages.add(message);
        }

        @Override
        public void onClose(int statusCode, String reason) {
            closed.complete(statusCode);
        }

        @Override
        public void onError(Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    @Test
    void messagesSentBeforeStartAreDeliveredInOrderAfterIt() throws Exception {
        InMemoryTransport.Pair pair = InMemoryTransport.pair();
        byte[] first = {1};
        pair.client().send(first).get(5, TimeUnit.SECONDS);
        first[0] = 9; // the transport copied it
        pair.client().send(new byte[] {2});
        Recorder server = new Recorder();
        pair.server().start(server);
        pair.client().send(new byte[] {3});
        for (int expected = 1; expected <= 3; expected++) {
            assertThat(server.messages.poll(5, TimeUnit.SECONDS)).containsExactly(expected);
        }
    }

    @Test
    void closingOneEndClosesBothAndRefusesFurtherSends() throws Exception {
        InMemoryTransport.Pair pair = InMemoryTransport.pair();
        Recorder client = new Recorder();
        Recorder server = new Recorder();
        pair.client().start(client);
        pair.server().start(server);
        pair.server().close();
        assertThat(client.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(server.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(pair.client().isClosed()).isTrue();
        assertThat(pair.client().send(new byte[1])).isCompletedExceptionally();
    }
}
