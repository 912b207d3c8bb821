package norc.server.it;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The endpoint contract on pekko-http's stream ({@code norc.client.transport = pekko}). */
class PekkoEndpointIT extends EndpointContract {
    @Override
    String transport() {
        return "pekko";
    }

    /**
     * Known defect of this transport, one reason Netty is the default: the server drops the
     * non-reading client's actor and queue (the admin count falls), but pekko-http leaves its TCP
     * connection open, so the client never sees a close.
     */
    @Override
    @Test
    @Disabled("pekko-http keeps the TCP connection of a failed WebSocket flow open; see the javadoc")
    void aClientThatStopsReadingIsDisconnected() {
    }
}
