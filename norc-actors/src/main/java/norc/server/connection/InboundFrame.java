package norc.server.connection;

import java.util.List;
import java.util.Optional;
import norc.wire.WireEncoding;

/**
 * One inbound WebSocket message as the connection sees it: its bytes (for the JSON subprotocol the
 * UTF-8 of the text), or why it could not be taken (profile §2: limits apply while the message
 * streams in, and each subprotocol has one message kind).
 */
public sealed interface InboundFrame {

    record Data(byte[] bytes) implements InboundFrame {}

    /** Longer than the configured payload limit plus header and padding; the rest was not read. */
    enum TooLarge implements InboundFrame { INSTANCE }

    /** A text message on the binary subprotocol or the reverse. */
    enum WrongKind implements InboundFrame { INSTANCE }

    /** The largest WebSocket message for a payload limit: header, length prefix, padding, tag; JSON adds base64. */
    static int maxMessageBytes(int maxPayload, WireEncoding encoding) {
        long binary = (long) maxPayload + 64 * 1024 + 256;
        long limit = encoding == WireEncoding.BINARY ? binary : binary * 4 / 3 + 1024;
        return (int) Math.min(Integer.MAX_VALUE - 16, limit);
    }

    /** The subprotocol to answer an upgrade with: the binary one when offered, else JSON (profile §2). */
    static Optional<WireEncoding> chooseSubprotocol(List<String> offered) {
        Optional<WireEncoding> json = Optional.empty();
        for (String protocol : offered) {
            if (protocol.equals(WireEncoding.BINARY.subprotocol())) {
                return Optional.of(WireEncoding.BINARY);
            }
            if (protocol.equals(WireEncoding.JSON.subprotocol())) {
                json = Optional.of(WireEncoding.JSON);
            }
        }
        return json;
    }
}
