package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.audit.AuditChain;
import norc.audit.AuditEntry;
import norc.audit.AuditVerifier;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.cli.NorcCli;
import norc.crypto.Bytes;
import norc.server.NorcConfig;
import norc.server.audit.AuditKinds;
import norc.server.audit.Pseudonyms;
import norc.server.audit.api.AuditJournalEvent.EntryAppended;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;
import norc.wire.message.TimeSync;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The audit log of spec §6.18 on a real server (H2 file): refused authentications, a revocation, an
 * integrity alert and admin actions become a chain that {@code GET /admin/audit/entries}, the
 * independent verifier and {@code norc admin audit verify} accept, with the day's root naming the
 * last entry. Then the journal's rows are tampered with directly in the database file, the server
 * restarted on it each time (from a pristine copy): a changed entry, an undecodable one, a deleted
 * one and two swapped ones are each named by the verifier, and the journal recovers, keeps serving
 * and keeps appending. No user id is stored in clear in an audit row; an id that only failed to
 * authenticate is nowhere in the database file or the logs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUDIT = "Audit|main";
    /** An ephemeral NORC-F port too: the fixed default may be taken by another test run on this machine. */
    private static final String EPHEMERAL = "norc.federation.port = 0";

    @TempDir
    static Path dir;
    private Path pristine;
    private String url;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private ActorTestKit serialization;

    /** What the first run served. */
    private List<Listed> served;
    private String verified;
    private JsonNode roots;
    private String alice;
    private String mallory;
    private String eve;
    private String tamper;

    private record Listed(AuditVerifier.Entry entry, String kind) {}

    @BeforeAll
    void causeEntries() throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        serialization = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
                .withFallback(NorcConfig.load(ConfigFactory.empty())));
        try (TestServer server = TestServer.start(dir, EPHEMERAL)) {
            url = server.server.settings().database().url();
            alice = "alice-audit@" + server.serverId();
            mallory = "mallory-audit@" + server.serverId();
            eve = "eve-audit@" + server.serverId();
            tamper = "tamper-audit@" + server.serverId();

            DeviceIdentity[] phone = new DeviceIdentity[1];
            NorcClient phoneClient = server.registerNew("alice-audit", WireEncoding.BINARY, new RecordingListener(), phone);
            awaitEntries(server, 2); // user created, token issued
            DeviceIdentity laptop = DeviceIdentity.create(alice, "laptop", TestServer.RANDOM);
            NorcClient laptopClient = server.connect(WireEncoding.JSON, new RecordingListener());
            laptopClient.register(laptop, server.token(alice)).get(20, TimeUnit.SECONDS);
            awaitEntries(server, 3);

            failToAuthenticate(server, eve); // unknown user: 1001
            awaitEntries(server, 4);
            try (RawClient raw = RawClient.handshaken(server, WireEncoding.BINARY)) { // a token that is not one: 1004
                raw.send(raw.register(mallory, "not-a-token"));
                assertThat(((ErrorMessage) raw.receive()).errorCode()).isEqualTo(1004);
            }
            awaitEntries(server, 5);

            laptopClient.revokeDevice(phone[0].deviceId(), RevocationReason.LOST).get(20, TimeUnit.SECONDS);
            awaitEntries(server, 6);
            NorcClient again = server.connect(WireEncoding.BINARY, new RecordingListener()); // revoked: 1003
            assertThatThrownBy(() -> again.authenticate(phone[0]).get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            awaitEntries(server, 7);

            try (RawClient raw = RawClient.registered(server, tamper)) { // 2 admin actions, then 8 frames that fail the AEAD
                awaitEntries(server, 9);
                for (int i = 0; i < 8; i++) {
                    byte[] frame = raw.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
                    frame[frame.length - 1] ^= 1;
                    raw.sendFrame(frame);
                }
                assertThat(raw.closedWithin(Duration.ofSeconds(10))).isTrue();
            }
            served = awaitEntries(server, 10);
            verified = cli(server, "verify");
            roots = JSON.readTree(server.get("/admin/audit/roots").body());
            laptopClient.close();
            phoneClient.close();
            again.close();
        }
        shutDownDatabase();
        pristine = dir.resolve("pristine.mv.db");
        Files.copy(databaseFile(), pristine);
    }

    @AfterAll
    void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        serialization.shutdownTestKit();
    }

    @Test
    void theServedChainVerifiesAndTheDaysRootIsItsLastEntry() {
        Map<String, Integer> kinds = new HashMap<>();
        served.forEach(listed -> kinds.merge(listed.kind(), 1, Integer::sum));
        assertThat(kinds).isEqualTo(Map.of(AuditKinds.ADMIN_ACTION, 5, AuditKinds.AUTHENTICATION_FAILED, 3,
                AuditKinds.DEVICE_REVOCATION, 1, AuditKinds.INTEGRITY_ALERT, 1));
        List<AuditVerifier.Entry> entries = served.stream().map(Listed::entry).toList();
        assertThat(entries).extracting(AuditVerifier.Entry::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(AuditVerifier.firstBadEntry(entries)).isNull();
        byte[] last = entries.get(9).entryHash();
        assertThat(verified).isEqualTo("0 audit chain intact: 10 entries, last hash " + Bytes.hex(last));

        assertThat(roots.size()).isEqualTo(1);
        assertThat(roots.get(0).get("day").asText())
                .isEqualTo(LocalDate.ofInstant(java.time.Instant.ofEpochMilli(entries.get(9).timestamp()), ZoneOffset.UTC).toString());
        assertThat(roots.get(0).get("last_sequence").asLong()).isEqualTo(10);
        assertThat(roots.get(0).get("root").asText()).isEqualTo(Bytes.hex(last));

        Map<String, String> failed = fieldsOf(served, AuditKinds.AUTHENTICATION_FAILED).get(0);
        assertThat(failed).containsEntry("method", "auth_request").containsEntry("code", "1001")
                .containsEntry("user", pseudonyms().user(eve));
        assertThat(fieldsOf(served, AuditKinds.AUTHENTICATION_FAILED).get(1)).containsEntry("method", "device_register")
                .containsEntry("code", "1004").containsEntry("user", pseudonyms().user(mallory));
        assertThat(fieldsOf(served, AuditKinds.AUTHENTICATION_FAILED).get(2)).containsEntry("code", "1003");
        assertThat(fieldsOf(served, AuditKinds.DEVICE_REVOCATION).get(0)).containsEntry("reason", "lost")
                .containsEntry("by", "another-device").containsEntry("user", pseudonyms().user(alice));
        assertThat(fieldsOf(served, AuditKinds.ADMIN_ACTION).get(0)).containsEntry("action", "user.created")
                .containsEntry("user", pseudonyms().user(alice));
        assertThat(fieldsOf(served, AuditKinds.INTEGRITY_ALERT).get(0)).containsEntry("reason", "failed-frames-limit")
                .containsEntry("aead-failures", "8").containsEntry("user", pseudonyms().user(tamper));
    }

    @Test
    void noUserIdIsStoredInClearInAuditRowsNorAFailedOneAnywhere() throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        Path copy = dir.resolve("grep");
        Files.createDirectories(copy);
        Files.copy(pristine, copy.resolve("norc.mv.db"), StandardCopyOption.REPLACE_EXISTING);
        String copyUrl = norc.persistence.JournalDatabase.h2FileUrl(copy.resolve("norc"));
        try (Connection c = DriverManager.getConnection(copyUrl, "sa", "");
             PreparedStatement s = c.prepareStatement("select \"event_payload\" from \"event_journal\" where \"persistence_id\" = ?")) {
            s.setString(1, AUDIT);
            ResultSet rs = s.executeQuery();
            while (rs.next()) {
                payloads.add(rs.getBytes(1));
            }
            c.createStatement().execute("SHUTDOWN");
        }
        assertThat(payloads).hasSize(10);
        String audit = new String(Bytes.concat(payloads.toArray(byte[][]::new)), StandardCharsets.ISO_8859_1);
        for (String user : List.of(alice, mallory, eve, tamper)) {
            assertThat(audit).doesNotContain(user).contains(pseudonyms().user(user));
            assertThat(audit).doesNotContain(user.substring(0, user.indexOf('@')));
        }

        // eve only failed to authenticate: nothing anywhere holds her id (the file does hold her pseudonym)
        String file = new String(Files.readAllBytes(pristine), StandardCharsets.ISO_8859_1);
        assertThat(file).doesNotContain(eve).contains(pseudonyms().user(eve));
        List<String> lines;
        synchronized (logs) {
            lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
        assertThat(lines).isNotEmpty();
        for (String user : List.of(alice, mallory, eve, tamper)) {
            assertThat(lines).noneMatch(line -> line.contains(user));
        }
    }

    @Test
    void aChangedEntryIsNamed() throws Exception {
        tampered(c -> {
            EntryAppended original = (EntryAppended) deserialize(payload(c, 3));
            byte[] forged = AuditEntry.of(3, original.timestamp(), AuditKinds.ADMIN_ACTION, Map.of("action", "nothing")).encode();
            setPayload(c, 3, serialize(new EntryAppended(3, original.timestamp(), forged, original.entryHash())));
        }, 3, "altered");
    }

    @Test
    void anUndecodableEntryIsNamed() throws Exception {
        tampered(c -> {
            byte[] bytes = payload(c, 4);
            bytes[0] = (byte) 0xff; // no longer CBOR where the record starts
            setPayload(c, 4, bytes);
        }, 4, "altered");
    }

    @Test
    void aDeletedEntryIsNamedByTheOneAfterIt() throws Exception {
        tampered(c -> update(c, "delete from \"event_journal\" where \"persistence_id\" = '" + AUDIT + "' and \"sequence_number\" = 3"),
                4, "missing");
    }

    @Test
    void swappedEntriesAreNamed() throws Exception {
        tampered(c -> {
            update(c, "update \"event_journal\" set \"sequence_number\" = -3 where \"persistence_id\" = '" + AUDIT + "' and \"sequence_number\" = 3");
            update(c, "update \"event_journal\" set \"sequence_number\" = 3 where \"persistence_id\" = '" + AUDIT + "' and \"sequence_number\" = 5");
            update(c, "update \"event_journal\" set \"sequence_number\" = 5 where \"persistence_id\" = '" + AUDIT + "' and \"sequence_number\" = -3");
        }, 5, "reordered");
    }

    @Test
    void theEntriesAnswer503WhileTheDatabaseIsAway() throws Exception {
        Path own = dir.resolve("outage");
        try (TcpDatabase database = TcpDatabase.start(own.resolve("h2"));
             TestServer server = TestServer.start(own.resolve("node"), database.config() + "\n" + EPHEMERAL)) {
            server.createUserWithToken("outage-audit@" + server.serverId());
            awaitEntries(server, 2);
            database.stop();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> away = server.get("/admin/audit/entries");
                assertThat(away.statusCode()).isEqualTo(503);
                assertThat(away.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(server.get("/admin/audit/roots").statusCode()).isEqualTo(503);
            });
            database.restart();
            // polled once a second: the pool checks a connection it lends only after 500 ms idle, so
            // tighter polling would keep lending the ones the outage broke
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(entries(server)).hasSize(2));
        }
    }

    // ---- the tampering runs ----

    private interface Tampering {
        void apply(Connection c) throws Exception;
    }

    /**
     * Restores the pristine database, tampers with it, restarts the server on it and checks: the
     * verifier and the CLI name entry {@code at}; the server serves; the journal still appends, after
     * the last entry as stored, and the break is still reported.
     */
    private void tampered(Tampering tampering, long at, String problem) throws Exception {
        Files.copy(pristine, databaseFile(), StandardCopyOption.REPLACE_EXISTING);
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            tampering.apply(c);
            c.createStatement().execute("SHUTDOWN");
        }
        try (TestServer server = TestServer.start(dir, EPHEMERAL)) {
            List<Listed> listed = entries(server);
            AuditVerifier.Break found = AuditVerifier.firstBadEntry(listed.stream().map(Listed::entry).toList());
            assertThat(found).isNotNull();
            assertThat(found.sequence()).isEqualTo(at);
            assertThat(found.problem().word()).isEqualTo(problem);
            assertThat(cli(server, "verify")).isEqualTo("1 audit chain broken at entry " + at + ": " + problem);

            assertThat(server.get("/health").statusCode()).isEqualTo(200);
            failToAuthenticate(server, eve);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                List<Listed> now = entries(server);
                assertThat(now.get(now.size() - 1).entry().sequence()).isEqualTo(11);
            });
            List<Listed> after = entries(server);
            Listed newest = after.get(after.size() - 1);
            assertThat(newest.kind()).isEqualTo(AuditKinds.AUTHENTICATION_FAILED);
            Listed tip = after.get(after.size() - 2);
            assertThat(newest.entry().entryHash()).as("chained to the last entry as stored")
                    .isEqualTo(AuditChain.entryHash(tip.entry().entryHash(), newest.entry().canonicalEntry()));
            assertThat(cli(server, "verify", "--json")).startsWith("1 ").contains("\"broken_at\":" + at);
        }
        synchronized (logs) {
            assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("the chain is broken at entry"));
        }
        shutDownDatabase();
    }

    // ---- helpers ----

    private void failToAuthenticate(TestServer server, String userId) throws Exception {
        try (RawClient raw = RawClient.handshaken(server, WireEncoding.BINARY)) {
            raw.send(raw.auth(userId, UUID.randomUUID(), raw.signing.secretKey(), RawClient.nowMicros()));
            NorcMessage answer = raw.receive();
            assertThat(((ErrorMessage) answer).errorCode()).isEqualTo(1001);
        }
    }

    private List<Listed> awaitEntries(TestServer server, int count) {
        List<List<Listed>> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Listed> now = entries(server);
            assertThat(now).hasSize(count);
            seen.add(now);
        });
        return seen.get(seen.size() - 1);
    }

    /** Every entry, page by page, as the admin API serves it. */
    private static List<Listed> entries(TestServer server) throws Exception {
        List<Listed> all = new ArrayList<>();
        long from = 1;
        while (from > 0) {
            HttpResponse<String> response = server.get("/admin/audit/entries?from=" + from + "&limit=4");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            for (JsonNode entry : body.get("entries")) {
                long sequence = entry.get("sequence").asLong();
                all.add(entry.path("unreadable").asBoolean(false) ? new Listed(AuditVerifier.Entry.unreadable(sequence), null)
                        : new Listed(new AuditVerifier.Entry(sequence, entry.get("timestamp").asLong(),
                                Base64.getDecoder().decode(entry.get("canonical_entry").asText()),
                                Bytes.unhex(entry.get("entry_hash").asText())), entry.get("kind").asText()));
            }
            from = body.get("next_from").isNull() ? 0 : body.get("next_from").asLong();
        }
        return all;
    }

    private static List<Map<String, String>> fieldsOf(List<Listed> listed, String kind) {
        return listed.stream().filter(l -> kind.equals(l.kind()))
                .map(l -> (Map<String, String>) AuditEntry.decode(l.entry().canonicalEntry()).fields()).toList();
    }

    /** {@code norc admin audit ...} against the server: "exit-status output". */
    private static String cli(TestServer server, String... args) {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = NorcCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        List<String> all = new ArrayList<>(List.of("admin", "audit"));
        all.addAll(List.of(args));
        all.addAll(List.of("--admin", "http://127.0.0.1:" + server.server.adminPort(),
                "--admin-token-file", server.server.settings().admin().tokenFile().toString()));
        int status = cli.execute(all.toArray(String[]::new));
        return status + " " + out.toString().strip();
    }

    private Pseudonyms pseudonyms() {
        return Pseudonyms.loadOrCreate(dir.resolve("audit").resolve("pseudonym.key"));
    }

    private Path databaseFile() {
        return dir.resolve("db").resolve("norc.mv.db");
    }

    /** Closes the embedded database if anything left it open, so that its file can be copied. */
    private void shutDownDatabase() throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            c.createStatement().execute("SHUTDOWN");
        }
    }

    private static byte[] payload(Connection c, long sequence) throws Exception {
        try (PreparedStatement s = c.prepareStatement("select \"event_payload\" from \"event_journal\""
                + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            s.setString(1, AUDIT);
            s.setLong(2, sequence);
            ResultSet rs = s.executeQuery();
            assertThat(rs.next()).isTrue();
            return rs.getBytes(1);
        }
    }

    private static void setPayload(Connection c, long sequence, byte[] payload) throws Exception {
        try (PreparedStatement s = c.prepareStatement("update \"event_journal\" set \"event_payload\" = ?"
                + " where \"persistence_id\" = ? and \"sequence_number\" = ?")) {
            s.setBytes(1, payload);
            s.setString(2, AUDIT);
            s.setLong(3, sequence);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private static void update(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement()) {
            assertThat(s.executeUpdate(sql)).isEqualTo(1);
        }
    }

    private Object deserialize(byte[] bytes) {
        Serialization s = SerializationExtension.get(serialization.system());
        return s.deserialize(bytes, norc.server.contract.ContractSerializer.IDENTIFIER, "audit.event.entry-appended").get();
    }

    private byte[] serialize(Object value) {
        return SerializationExtension.get(serialization.system()).serialize(value).get();
    }
}
