package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import norc.client.ChainStore;
import norc.client.DeviceIdentity;
import norc.e2e.ConversationChain;

/**
 * This device's outgoing conversation chains in a JSON file beside the identity
 * ({@code {"<conversation>":{"sequence":n,"prev_hash":"<base64url>"}}}), owner-only, so that a
 * later {@code norc send} continues the chain recipients have seen. Re-read on every use, so
 * separate CLI runs in sequence agree; two processes sending into the same conversation at the same
 * moment are not coordinated.
 */
final class FileChainStore implements ChainStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    FileChainStore(Path file) {
        this.file = file;
    }

    @Override
    public synchronized ConversationChain.Link next(UUID conversationId) {
        JsonNode entry = read().get(conversationId.toString());
        if (entry == null || !entry.path("sequence").canConvertToLong() || !entry.path("prev_hash").isTextual()) {
            return new ConversationChain.Link(0, new byte[32]);
        }
        byte[] hash = Base64.getUrlDecoder().decode(entry.get("prev_hash").asText());
        if (hash.length != 32) {
            return new ConversationChain.Link(0, new byte[32]);
        }
        return new ConversationChain.Link(entry.get("sequence").asLong(), hash);
    }

    @Override
    public synchronized void save(UUID conversationId, ConversationChain.Link next) {
        ObjectNode root = read();
        ObjectNode entry = root.putObject(conversationId.toString());
        entry.put("sequence", next.sequence());
        entry.put("prev_hash", Base64.getUrlEncoder().withoutPadding().encodeToString(next.prevHash()));
        try {
            DeviceIdentity.writeOwnerOnly(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode read() {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            return root instanceof ObjectNode object ? object : JSON.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chain file " + file.getFileName(), e);
        }
    }
}
