package norc.client.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import norc.client.ReceivedMessage;
import norc.client.TextContent;

/**
 * Prints received messages on the user's own terminal. Text from other people is made inert
 * first: control characters (ANSI escape sequences could rewrite the screen) and bidirectional
 * overrides are replaced, and line breaks continue indented.
 */
final class Terminal {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private Terminal() {}

    /** {@code [HH:mm:ss] sender: text}, or a placeholder for content that is not {@link TextContent}. */
    static String format(ReceivedMessage message) {
        String when = TIME.format(Instant.ofEpochSecond(0, Math.multiplyExact(message.metadata().timestamp(), 1000L)));
        String body = TextContent.decode(message.content())
                .map(text -> inert(text.text()))
                .orElse("<" + message.content().length + " bytes of " + inert(message.metadata().messageType())
                        + " content>");
        return "[" + when + "] " + inert(message.senderUserId()) + ": " + body;
    }

    static void print(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** {@code text} with control characters and bidi overrides replaced, newlines indented. */
    static String inert(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\n') {
                out.append("\n    ");
            } else if (c == '\t') {
                out.append(' ');
            } else if (Character.isISOControl(c) || isBidiControl(c)) {
                out.append('\uFFFD');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
                || c == 0x061C;
    }
}
