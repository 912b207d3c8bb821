package norc.load.engine;

import java.util.OptionalLong;

/**
 * The text of a chat message: {@code "<sender index>:<sequence>:"} padded with {@code x} to the
 * run's message size, so that the recipient's {@link DeliveryLedger} knows which message of its
 * partner it got. It travels end-to-end encrypted inside the SDK's content ({@code TextContent}).
 */
public final class ChatText {
    private ChatText() {}

    public static String of(int senderIndex, long sequence, int size) {
        StringBuilder text = new StringBuilder().append(senderIndex).append(':').append(sequence).append(':');
        while (text.length() < size) {
            text.append('x');
        }
        return text.toString();
    }

    /** The sequence number, if {@code text} is a message of sender {@code senderIndex}. */
    public static OptionalLong sequence(String text, int senderIndex) {
        int first = text.indexOf(':');
        int second = first < 0 ? -1 : text.indexOf(':', first + 1);
        if (second < 0) {
            return OptionalLong.empty();
        }
        try {
            if (Integer.parseInt(text, 0, first, 10) != senderIndex) {
                return OptionalLong.empty();
            }
            long sequence = Long.parseLong(text, first + 1, second, 10);
            return sequence < 0 ? OptionalLong.empty() : OptionalLong.of(sequence);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
