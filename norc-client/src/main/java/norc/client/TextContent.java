package norc.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The content format of the NORC CLI and load generator: the UTF-8 JSON object
 * {@code {"text":"...","sent_at":<µs since the epoch>}} that becomes the plaintext of the
 * end-to-end envelope (profile §6), sent with {@code metadata.message_type = "text"}. The server
 * never sees it. {@code sent_at} is the sender's clock, so a receiver can measure end-to-end
 * latency (meaningful when both clocks agree, e.g. on one machine). Unknown members are ignored
 * when reading, so the format can grow.
 */
public record TextContent(String text, long sentAtMicros) {
    /** The {@code metadata.message_type} atom of this format. */
    public static final String MESSAGE_TYPE = "text";
    private static final ObjectMapper JSON = new ObjectMapper();

    public TextContent {
        Objects.requireNonNull(text, "text");
    }

    /** {@code {"text":...,"sent_at":...}} in UTF-8, members in that order. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 32);
        try (JsonGenerator generator = JSON.getFactory().createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("text", text);
            generator.writeNumberField("sent_at", sentAtMicros);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The content if {@code content} is this format, else empty (e.g. another client's format). */
    public static Optional<TextContent> decode(byte[] content) {
        try {
            JsonNode root = JSON.readTree(content);
            if (root == null || !root.isObject() || !root.path("text").isTextual()
                    || !root.path("sent_at").canConvertToLong() || !root.path("sent_at").isIntegralNumber()) {
                return Optional.empty();
            }
            return Optional.of(new TextContent(root.get("text").asText(), root.get("sent_at").asLong()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Never the text: content must not reach logs. */
    @Override
    public String toString() {
        return "TextContent[" + text.length() + " chars]";
    }
}
