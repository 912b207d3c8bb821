package norc.server.connection;

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
}
