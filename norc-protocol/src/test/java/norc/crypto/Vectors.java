package norc.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Loads the JSON test vectors copied under {@code src/test/resources/vectors/}. */
public final class Vectors {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Vectors() {
    }

    /** The parsed resource {@code /vectors/<name>}. */
    static JsonNode load(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /vectors/" + name);
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A section of {@code norc-vectors.json}. */
    public static JsonNode norc(String section) {
        JsonNode node = load("norc-vectors.json").get(section);
        if (node == null) {
            throw new IllegalStateException("norc-vectors.json has no section " + section);
        }
        return node;
    }

    /** The bytes of a hex field; fails if the field is missing. */
    static byte[] hex(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalStateException("vector has no hex field " + field);
        }
        return Bytes.unhex(value.asText());
    }

    /** One Wycheproof test case with the fields of its group that tests need. */
    record WycheproofCase(JsonNode group, JsonNode test) {
        int tcId() {
            return test.get("tcId").asInt();
        }

        String result() {
            return test.get("result").asText();
        }

        boolean hasFlag(String flag) {
            for (JsonNode f : test.path("flags")) {
                if (f.asText().equals(flag)) {
                    return true;
                }
            }
            return false;
        }

        byte[] bytes(String field) {
            return hex(test, field);
        }

        boolean has(String field) {
            return test.has(field);
        }

        /** A display name: tcId, result, flags and comment. */
        String name() {
            String comment = test.path("comment").asText("");
            return "tcId " + tcId() + " [" + result() + "] " + test.path("flags") + (comment.isEmpty() ? "" : " " + comment);
        }
    }

    /** Every test of a Wycheproof file, checked against the file's own {@code numberOfTests}. */
    static List<WycheproofCase> wycheproof(String name) {
        JsonNode root = load(name);
        List<WycheproofCase> cases = new ArrayList<>();
        for (JsonNode group : root.get("testGroups")) {
            for (JsonNode test : group.get("tests")) {
                cases.add(new WycheproofCase(group, test));
            }
        }
        if (cases.size() != root.get("numberOfTests").asInt()) {
            throw new IllegalStateException(name + ": read " + cases.size() + " tests, file says " + root.get("numberOfTests"));
        }
        return cases;
    }
}
