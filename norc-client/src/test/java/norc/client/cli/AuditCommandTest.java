package norc.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import norc.audit.AuditChain;
import norc.audit.AuditEntry;
import norc.crypto.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code norc admin audit verify} and {@code roots} against a stand-in admin API: it pages through
 * every entry, verifies the chain itself (a server that lists a changed entry is caught, whatever it
 * claims), and reports with the documented lines, JSON and exit status.
 */
class AuditCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    /** The entries the stand-in lists, in order; pages of 2 to exercise paging. */
    private final AtomicReference<List<ObjectNode>> entries = new AtomicReference<>(List.of());
    private final StringWriter out = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/admin/audit/entries", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            int from = Integer.parseInt(query.replaceAll(".*from=(\\d+).*", "$1"));
            List<ObjectNode> all = entries.get();
            ArrayNode page = JSON.createArrayNode();
            for (int i = from - 1; i < Math.min(all.size(), from + 1); i++) {
                page.add(all.get(i));
            }
            ObjectNode body = JSON.createObjectNode().set("entries", page);
            if (from + 1 < all.size() + 1 && page.size() == 2) {
                body.put("next_from", from + 2);
            } else {
                body.putNull("next_from");
            }
            reply(exchange, body.toString());
        });
        server.createContext("/admin/audit/roots", exchange -> reply(exchange,
                "[{\"day\":\"2026-12-01\",\"last_sequence\":5,\"root\":\"" + "ab".repeat(32) + "\"}]"));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static List<ObjectNode> chain(int n) {
        List<ObjectNode> list = new ArrayList<>();
        byte[] prev = AuditChain.GENESIS;
        for (int i = 1; i <= n; i++) {
            byte[] canonical = AuditEntry.of(i, 1_790_000_000_000L + i, "admin.action", Map.of("action", "user.created")).encode();
            byte[] hash = AuditChain.entryHash(prev, canonical);
            list.add(JSON.createObjectNode().put("sequence", i).put("timestamp", 1_790_000_000_000L + i).put("kind", "admin.action")
                    .put("canonical_entry", Base64.getEncoder().encodeToString(canonical)).put("entry_hash", Bytes.hex(hash)));
            prev = hash;
        }
        return list;
    }

    private int run(String... args) {
        CommandLine cli = NorcCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        List<String> all = new ArrayList<>(List.of("admin", "audit"));
        all.addAll(List.of(args));
        all.addAll(List.of("--admin", "http://127.0.0.1:" + server.getAddress().getPort()));
        try { // the stand-in does not check it, but the CLI reads it
            java.nio.file.Path token = java.nio.file.Files.createTempFile("admin-token", "");
            java.nio.file.Files.writeString(token, "00\n");
            token.toFile().deleteOnExit();
            all.addAll(List.of("--admin-token-file", token.toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return cli.execute(all.toArray(String[]::new));
    }

    @Test
    void anIntactChainOverSeveralPagesExitsZero() {
        List<ObjectNode> log = chain(5);
        entries.set(log);
        assertThat(run("verify")).isZero();
        assertThat(out.toString().strip()).isEqualTo("audit chain intact: 5 entries, last hash " + log.get(4).get("entry_hash").asText());
    }

    @Test
    void aChangedEntryIsReportedWhateverTheServerClaims() throws Exception {
        List<ObjectNode> log = chain(5);
        byte[] canonical = Base64.getDecoder().decode(log.get(2).get("canonical_entry").asText());
        canonical[canonical.length - 1] ^= 1;
        log.get(2).put("canonical_entry", Base64.getEncoder().encodeToString(canonical));
        entries.set(log);
        assertThat(run("verify")).isEqualTo(1);
        assertThat(out.toString().strip()).isEqualTo("audit chain broken at entry 3: altered");

        out.getBuffer().setLength(0);
        List<ObjectNode> gap = chain(5);
        gap.remove(3);
        entries.set(gap);
        assertThat(run("verify", "--json")).isEqualTo(1);
        assertThat(JSON.readTree(out.toString())).isEqualTo(JSON.readTree(
                "{\"intact\":false,\"entries\":4,\"broken_at\":5,\"problem\":\"missing\"}"));

        out.getBuffer().setLength(0);
        List<ObjectNode> unreadable = chain(3);
        unreadable.set(1, JSON.createObjectNode().put("sequence", 2).put("unreadable", true));
        entries.set(unreadable);
        assertThat(run("verify")).isEqualTo(1);
        assertThat(out.toString().strip()).isEqualTo("audit chain broken at entry 2: altered");
    }

    @Test
    void jsonOfAnIntactChainAndTheRoots() throws Exception {
        List<ObjectNode> log = chain(3);
        entries.set(log);
        assertThat(run("verify", "--json")).isZero();
        assertThat(JSON.readTree(out.toString())).isEqualTo(JSON.createObjectNode().put("intact", true).put("entries", 3)
                .put("last_hash", log.get(2).get("entry_hash").asText()));

        out.getBuffer().setLength(0);
        assertThat(run("roots")).isZero();
        assertThat(out.toString().strip()).isEqualTo("2026-12-01  last entry 5  root " + "ab".repeat(32));
        out.getBuffer().setLength(0);
        assertThat(run("roots", "--json")).isZero();
        assertThat(JSON.readTree(out.toString()).get(0).get("last_sequence").asLong()).isEqualTo(5);
    }

    @Test
    void anEmptyLogIsIntact() {
        assertThat(run("verify")).isZero();
        assertThat(out.toString()).contains("audit chain intact: 0 entries, last hash " + "00".repeat(32));
    }
}
