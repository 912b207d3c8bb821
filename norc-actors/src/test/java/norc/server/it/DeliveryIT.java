package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.server.ServerSettings;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.storage.Sealed;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.ErrorMessage;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable delivery on one node: store-and-forward across a restart, exactly-once storage of a
 * resent {@code message_id}, ciphertext-only journal, revocation.
 */
class DeliveryIT {
    private static final String MARKER = "plaintext-marker-7f3a";

    @TempDir
    Path dir;

    @Test
    void offlineMessagesSurviveARestartAndArriveOnceInOrder() throws Exception {
        DeviceIdentity[] bobIdentity = new DeviceIdentity[1];
        String bobId;
        String journalUrl;
        Path keyFile;
        try (TestServer server = TestServer.start(dir)) {
            bobId = "bob@" + server.serverId();
            NorcClient bob = server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bobIdentity);
            bob.close();
            NorcClient alice = server.registerNew("alice", WireEncoding.JSON, new RecordingListener(), null);
            UUID conversation = UUID.randomUUID();
            for (int i = 0; i < 100; i++) {
                alice.send(conversation, List.of(bobId), (MARKER + " " + i).getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            }
            alice.close();
            journalUrl = server.server.settings().database().url();
            keyFile = server.server.settings().database().storageKeyFile();
        }

        // the journal holds the 100 messages, and only as ciphertext
        StorageSeal seal = StorageSeal.loadOrCreate(keyFile);
        List<byte[]> payloads = eventPayloads(journalUrl,
                seal.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), bobIdentity[0].deviceId().toString()).id());
        assertThat(payloads).hasSizeGreaterThanOrEqualTo(100);
        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        for (byte[] payload : allEventPayloads(journalUrl)) {
            assertThat(indexOf(payload, marker)).as("plaintext in the journal").isEqualTo(-1);
        }

        try (TestServer server = TestServer.start(dir)) {
            RecordingListener hears = new RecordingListener();
            NorcClient bob = server.connect(WireEncoding.BINARY, hears);
            bob.authenticate(bobIdentity[0]).get(20, TimeUnit.SECONDS);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ReceivedMessage message = hears.messages.poll(20, TimeUnit.SECONDS);
                assertThat(message).as("message " + i).isNotNull();
                texts.add(new String(message.content(), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(texts.get(i)).isEqualTo(MARKER + " " + i);
            }
            assertThat(hears.messages.poll(2, TimeUnit.SECONDS)).as("nothing more").isNull();
            assertThat(hears.rejected).isEmpty();
            bob.close();
        }
    }

    /**
     * Retention (hardening issue): once the recipient acknowledged, its inbox drained, and the
     * journal keeps no {@code MessageStored} row of it (payload, sender, times) and at most the one
     * row that holds the sequence number, the snapshot no inbox entry. Fails while events are
     * never deleted.
     */
    @Test
    void aDeliveredMessageLeavesNoRowBehind() throws Exception {
        try (TestServer server = TestServer.start(dir, "norc.delivery.trim-interval = 1s")) {
            DeviceIdentity[] bobIdentity = new DeviceIdentity[1];
            String bobId = "bob@" + server.serverId();
            server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bobIdentity).close();
            NorcClient alice = server.registerNew("alice", WireEncoding.BINARY, new RecordingListener(), null);
            UUID conversation = UUID.randomUUID();
            for (int i = 0; i < 3; i++) {
                alice.send(conversation, List.of(bobId), (MARKER + i).getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            }
            UUID bobDevice = bobIdentity[0].deviceId();
            assertThat(storedMessages(server, bobDevice)).isEqualTo(3);

            RecordingListener hears = new RecordingListener();
            NorcClient bob = server.connect(WireEncoding.BINARY, hears);
            bob.authenticate(bobIdentity[0]).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) { // delivered (read back from the journal) and acknowledged by the SDK
                assertThat(new String(hears.messages.poll(20, TimeUnit.SECONDS).content(), StandardCharsets.UTF_8)).isEqualTo(MARKER + i);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while ((storedMessages(server, bobDevice) > 0 || journalRows(server, bobDevice) > 1) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(storedMessages(server, bobDevice)).as("MessageStored rows left").isZero();
            assertThat(journalRows(server, bobDevice)).as("journal rows left").isLessThanOrEqualTo(1);
            alice.send(conversation, List.of(bobId), "after".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(new String(hears.messages.poll(20, TimeUnit.SECONDS).content(), StandardCharsets.UTF_8)).isEqualTo("after");
            bob.close();
            alice.close();
        }
    }

    /**
     * A burst of large messages to an offline device stops at its inbox's byte quota: the copies
     * past it are refused with {@code 6001} (the sender retries later), nothing more is stored.
     */
    @Test
    void aBurstToAnOfflineDeviceStopsAtItsInboxQuota() throws Exception {
        try (TestServer server = TestServer.start(dir, "norc.delivery.max-inbox-bytes = 4MiB")) {
            DeviceIdentity[] bobIdentity = new DeviceIdentity[1];
            String bobId = "bob@" + server.serverId();
            server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bobIdentity).close();
            NorcClient alice = server.registerNew("alice", WireEncoding.BINARY, new RecordingListener(), null);
            UUID conversation = UUID.randomUUID();
            byte[] mebibyte = new byte[1024 * 1024];
            int stored = 0;
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                try {
                    alice.send(conversation, List.of(bobId), mebibyte).get(30, TimeUnit.SECONDS);
                    stored++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(NorcException.class);
                    assertThat(((NorcException) e.getCause()).code()).isEqualTo(ErrorCode.RATE_LIMITED);
                    refused++;
                }
            }
            assertThat(stored).as("1 MiB messages (plus their envelope) in a 4 MiB inbox").isEqualTo(3);
            assertThat(refused).isEqualTo(3);
            assertThat(storedMessages(server, bobIdentity[0].deviceId())).isEqualTo(3);
            alice.close();
        }
    }

    /** A send asking for more device copies than {@code max-copies-per-send} (256) is {@code 3007}, nothing stored. */
    @Test
    void aSendFannedOutPastTheCopyCapIsRefused() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String bobId = "bob@" + server.serverId();
            DeviceIdentity[] bobIdentity = new DeviceIdentity[1];
            server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bobIdentity).close();
            String aliceId = "alice@" + server.serverId();
            RawClient alice = RawClient.handshaken(server, WireEncoding.BINARY);
            alice.send(alice.register(aliceId, server.createUserWithToken(aliceId)));
            alice.receive();
            List<Envelope.RecipientDevice> devices = new ArrayList<>();
            devices.add(new Envelope.RecipientDevice(bobIdentity[0].deviceId(), bobIdentity[0].kexPublicKey()));
            for (int i = 0; i < 256; i++) {
                byte[] key = new byte[32];
                TestServer.RANDOM.nextBytes(key);
                devices.add(new Envelope.RecipientDevice(UUID.randomUUID(), key));
            }
            MessageSend message = Envelope.seal(new Envelope.Sender(aliceId, alice.deviceId, alice.signing.secretKey()),
                    UUID.randomUUID(), UUID.randomUUID(), List.of(bobId),
                    new MessageSend.Metadata(RawClient.nowMicros(), "text", Classification.UNCLASSIFIED),
                    new ConversationChain().next(UUID.randomUUID()), "wide".getBytes(StandardCharsets.UTF_8), devices,
                    TestServer.RANDOM);
            alice.send(message);
            assertThat(((ErrorMessage) alice.receive()).errorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
            alice.close();
            assertThat(storedMessages(server, bobIdentity[0].deviceId())).isZero();
        }
    }

    @Test
    void aResentMessageIdIsStoredOnce() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            DeviceIdentity[] bobIdentity = new DeviceIdentity[1];
            String bobId = "bob@" + server.serverId();
            server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bobIdentity).close();

            String aliceId = "alice@" + server.serverId();
            RawClient alice = RawClient.handshaken(server, WireEncoding.BINARY);
            alice.send(alice.register(aliceId, server.createUserWithToken(aliceId)));
            alice.receive();
            alice.send(new KeyRequest(List.of(bobId), Optional.empty()));
            KeyResponse keys = (KeyResponse) alice.receive();
            UUID bobDevice = bobIdentity[0].deviceId();
            MessageSend message = Envelope.seal(new Envelope.Sender(aliceId, alice.deviceId, alice.signing.secretKey()),
                    UUID.randomUUID(), UUID.randomUUID(), List.of(bobId),
                    new MessageSend.Metadata(RawClient.nowMicros(), "text", Classification.UNCLASSIFIED),
                    new ConversationChain().next(UUID.randomUUID()), "once".getBytes(StandardCharsets.UTF_8),
                    List.of(new Envelope.RecipientDevice(bobDevice, keys.keys().get(bobId).get(bobDevice).kexPublicKey())),
                    TestServer.RANDOM);
            alice.send(message);
            assertThat(((MessageAck) alice.receive()).status()).isEqualTo(AckStatus.ACCEPTED);
            alice.send(message); // the ack was "lost": the client resends the same message_id in a new frame
            assertThat(((MessageAck) alice.receive()).status()).isEqualTo(AckStatus.ACCEPTED);
            alice.close();

            assertThat(storedMessages(server, bobDevice)).isEqualTo(1);

            RecordingListener hears = new RecordingListener();
            NorcClient bob = server.connect(WireEncoding.BINARY, hears);
            bob.authenticate(bobIdentity[0]).get(20, TimeUnit.SECONDS);
            assertThat(hears.messages.poll(20, TimeUnit.SECONDS)).isNotNull();
            bob.close();
        }
    }

    @Test
    void revocationClosesTheSessionAndBlocksTheDeviceForGood() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String userId = "carol@" + server.serverId();
            DeviceIdentity[] phone = new DeviceIdentity[1];
            RecordingListener phoneHears = new RecordingListener();
            NorcClient phoneClient = server.registerNew("carol", WireEncoding.BINARY, phoneHears, phone);
            DeviceIdentity laptop = DeviceIdentity.create(userId, "laptop", TestServer.RANDOM);
            RecordingListener laptopHears = new RecordingListener();
            NorcClient laptopClient = server.connect(WireEncoding.JSON, laptopHears);
            laptopClient.register(laptop, server.token(userId)).get(20, TimeUnit.SECONDS);

            long before = System.nanoTime();
            laptopClient.revokeDevice(phone[0].deviceId(), RevocationReason.LOST).get(20, TimeUnit.SECONDS);
            phoneHears.closed.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
            assertThat(laptopHears.revoked.poll(5, TimeUnit.SECONDS)).isEqualTo(phone[0].deviceId());

            NorcClient again = server.connect(WireEncoding.BINARY, new RecordingListener());
            assertThatThrownBy(() -> again.authenticate(phone[0]).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(NorcException.class)
                    .extracting(e -> ((NorcException) e).code()).isEqualTo(ErrorCode.DEVICE_REVOKED);
            Map<UUID, KeyResponse.DeviceKey> keys = laptopClient.fetchKeys(List.of(userId)).get(20, TimeUnit.SECONDS).get(userId);
            assertThat(keys).containsOnlyKeys(laptop.deviceId());
            laptopClient.close();
            phoneClient.close();
        }
    }

    static List<byte[]> eventPayloads(String url, String persistenceId) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             PreparedStatement s = c.prepareStatement(
                     "select \"event_payload\" from \"event_journal\" where \"persistence_id\" = ? order by \"sequence_number\"")) {
            s.setString(1, persistenceId);
            return collect(s.executeQuery());
        }
    }

    static List<byte[]> allEventPayloads(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             PreparedStatement s = c.prepareStatement("select \"event_payload\" from \"event_journal\" union all "
                     + "select \"snapshot_payload\" from \"snapshot\"")) {
            return collect(s.executeQuery());
        }
    }

    /** How many {@code MessageStored} events the device's journal holds, opened with the server's storage key. */
    static long storedMessages(TestServer server, UUID device) throws Exception {
        ServerSettings settings = server.server.settings();
        StorageSeal seal = StorageSeal.loadOrCreate(settings.database().storageKeyFile());
        PersistenceId id = seal.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), device.toString());
        Serialization serialization = SerializationExtension.get(server.server.system());
        SealedEvents<DeviceEvent> events = new SealedEvents<>(seal, server.server.system(), id, DeviceEvent.class);
        long count = 0;
        try (Connection c = DriverManager.getConnection(settings.database().url(), "sa", "");
             PreparedStatement s = c.prepareStatement("select \"event_payload\", \"event_ser_id\", \"event_ser_manifest\" "
                     + "from \"event_journal\" where \"persistence_id\" = ?")) {
            s.setString(1, id.id());
            ResultSet rs = s.executeQuery();
            while (rs.next()) {
                Object stored = serialization.deserialize(rs.getBytes(1), rs.getInt(2), rs.getString(3)).get();
                assertThat(stored).as("stored sealed").isInstanceOf(Sealed.class);
                if (events.fromJournal(stored, "").events().head() instanceof DeviceEvent.MessageStored) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Journal rows under the device's persistence id. */
    static long journalRows(TestServer server, UUID device) throws Exception {
        ServerSettings settings = server.server.settings();
        StorageSeal seal = StorageSeal.loadOrCreate(settings.database().storageKeyFile());
        try (Connection c = DriverManager.getConnection(settings.database().url(), "sa", "");
             PreparedStatement s = c.prepareStatement("select count(*) from \"event_journal\" where \"persistence_id\" = ?")) {
            s.setString(1, seal.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), device.toString()).id());
            ResultSet rs = s.executeQuery();
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<byte[]> collect(ResultSet rs) throws Exception {
        List<byte[]> out = new ArrayList<>();
        while (rs.next()) {
            out.add(rs.getBytes(1));
        }
        return out;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
