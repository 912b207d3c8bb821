package norc.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reassembles one WebSocket message from the parts the JDK client hands over (the {@code last}
 * flag) and refuses a message larger than the cap before buffering it (profile §2: fragmented
 * messages are reassembled, then limited like any other). Binary parts are bytes; text parts are
 * characters, returned as their UTF-8 encoding. Not thread-safe: one per connection, fed in order.
 */
final class MessageAssembler {

    /** A message over the cap: the connection is closed with WebSocket status 1009. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(int limit) {
            super("inbound message exceeds " + limit + " bytes");
        }
    }

    private final int maxMessageBytes;
    private byte[] bytes = new byte[0];
    private int length;
    private final StringBuilder text = new StringBuilder();

    MessageAssembler(int maxMessageBytes) {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("the message cap must be positive");
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Adds a binary part; returns the whole message when {@code last}, else {@code null}. */
    byte[] binary(ByteBuffer part, boolean last) throws TooLargeException {
        int n = part.remaining();
        if (n > maxMessageBytes - length) {
            reset();
            throw new TooLargeException(maxMessageBytes);
        }
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.min(maxMessageBytes, Math.max(length + n, bytes.length * 2)));
        }
        part.get(bytes, length, n);
        length += n;
        if (!last) {
            return null;
        }
        byte[] message = Arrays.copyOf(bytes, length);
        reset();
        return message;
    }

    /** Adds a text part; returns the whole message as UTF-8 when {@code last}, else {@code null}. */
    byte[] text(CharSequence part, boolean last) throws TooLargeException {
        // every char is at least one UTF-8 byte, so counting chars bounds the buffer early
        if (part.length() > maxMessageBytes - text.length()) {
            reset();
            throw new TooLargeException(maxMessageBytes);
        }
        text.append(part);
        if (!last) {
            return null;
        }
        byte[] message = text.toString().getBytes(StandardCharsets.UTF_8);
        reset();
        if (message.length > maxMessageBytes) {
            throw new TooLargeException(maxMessageBytes);
        }
        return message;
    }

    private void reset() {
        bytes = new byte[0];
        length = 0;
        text.setLength(0);
    }
}
