package norc.server.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import norc.server.contract.WireMessage;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import norc.persistence.JournalDatabase.Trim;
import norc.server.NorcConfig;
import norc.server.ServerSettings;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.InboxEntries;
import norc.server.metrics.ServerMetrics;
import norc.server.storage.Sealed;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The device entity on the in-memory persistence test kit: acknowledgements are journalled in
 * batches (one event for the acks of a burst), receipts leave only after that commit, and a
 * re-attached connection is not sent what was acknowledged but not yet journalled.
 */
class DeviceSessionEntityTest {
    private static final ActorTestKit KIT = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(ConfigFactory.parseString("pekko.actor.provider = local\npekko.actor.serialize-messages = on"))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final ServerSettings SETTINGS = settings(Map.of());

    private static ServerSettings settings(Map<String, String> more) {
        Map<String, String> all = new java.util.HashMap<>(Map.of(
            "norc.delivery.ack-flush-delay", "200ms",
            "norc.delivery.max-inbox-messages", "20",
            "norc.client.max-payload", "4096",
            "norc.delivery.max-inbox-bytes", "8192",
            "norc.delivery.hot-payload-bytes", "0",
            "norc.delivery.trim-every", "1",
            "norc.delivery.payload-read-attempts", "3",
            "norc.delivery.payload-read-retry", "50ms"));
        all.putAll(more);
        return ServerSettings.from(NorcConfig.load(ConfigFactory.parseMap(all)));
    }
    private static final CurrentEventsByPersistenceIdQuery QUERIES = PersistenceQuery.get(KIT.system())
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, PersistenceTestKitReadJournal.Identifier());
    private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());
    private static final StorageSeal SEAL = StorageSeal.of(new byte[StorageSeal.SECRET_LENGTH]);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private record Entity(UUID id, ActorRef<DeviceCommand> ref, TestProbe<DeviceCommand> devices,
                          String persistenceId, TestProbe<String> trims) {}

    /** The entity's port to the rest of the cluster: probes where given, the test kit's journal for payloads. */
    private static DeviceSessionEntity.Devices port(TestProbe<DeviceCommand> devices, TestProbe<String> trims) {
        return port(devices, trims, false);
    }

    private static DeviceSessionEntity.Devices port(TestProbe<DeviceCommand> devices, TestProbe<String> trims, boolean noJournal) {
        return port(devices, trims, (persistenceId, from, to) -> noJournal
                ? java.util.concurrent.CompletableFuture.completedFuture(List.of())
                : QUERIES.currentEventsByPersistenceId(persistenceId, from, to).runWith(Sink.seq(), KIT.system()));
    }

    /** How the port answers the entity's reads of payload rows. */
    private interface Rows {
        CompletionStage<List<EventEnvelope>> events(String persistenceId, long from, long to);

        /** The shared ciphertexts: those the test put in {@link #BODIES}. */
        default CompletionStage<Map<String, byte[]>> bodies(java.util.Collection<String> keys) {
            Map<String, byte[]> found = new java.util.HashMap<>();
            keys.forEach(key -> {
                if (BODIES.containsKey(key)) {
                    found.put(key, BODIES.get(key));
                }
            });
            return java.util.concurrent.CompletableFuture.completedFuture(found);
        }
    }

    /** The stand-in for the message body table. */
    private static final Map<String, byte[]> BODIES = new java.util.concurrent.ConcurrentHashMap<>();

    private static DeviceSessionEntity.Devices port(TestProbe<DeviceCommand> devices, TestProbe<String> trims, Rows rows) {
        return new DeviceSessionEntity.Devices() {
            @Override
            public void tell(UUID device, DeviceCommand command) {
                if (devices != null) {
                    devices.getRef().tell(command);
                }
            }

            @Override
            public void deliveredFromOrigin(String originServer, UUID messageId, UUID device) {}

            @Override
            public void restarted(UUID device) {}

            @Override
            public CompletionStage<List<EventEnvelope>> events(String persistenceId, long from, long to) {
                return rows.events(persistenceId, from, to);
            }

            @Override
            public CompletionStage<Map<String, byte[]>> bodies(java.util.Collection<String> keys) {
                return rows.bodies(keys);
            }

            @Override
            public void trim(Trim trim) { // as text: the probe's messages are serialized (serialize-messages)
                if (trims != null) {
                    trims.getRef().tell(trim.persistenceId() + " " + trim.eventsUpTo() + " " + trim.snapshotsBelow());
                }
            }
        };
    }

    private static Entity claimed() {
        return claimed(null, new ServerMetrics());
    }

    private static Entity claimed(Rows rows, ServerMetrics metrics) {
        return claimed(rows, metrics, SETTINGS);
    }

    /** A claimed device entity whose payload reads go to {@code rows} (null: the test kit's journal). */
    private static Entity claimed(Rows rows, ServerMetrics metrics, ServerSettings settings) {
        UUID id = UUID.randomUUID();
        TestProbe<DeviceCommand> devices = KIT.createTestProbe();
        TestProbe<String> trims = KIT.createTestProbe();
        ActorRef<DeviceCommand> ref = KIT.spawn(DeviceSessionEntity.create(id.toString(), settings,
                rows == null ? port(devices, trims) : port(devices, trims, rows), metrics, SEAL));
        TestProbe<DeviceReply.ClaimResult> claimedProbe = KIT.createTestProbe();
        ref.tell(new DeviceCommand.Claim("dev@localhost", claimedProbe.getRef()));
        assertThat(claimedProbe.receiveMessage()).isEqualTo(DeviceReply.ClaimResult.CLAIMED);
        return new Entity(id, ref, devices, SEAL.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), id.toString()).id(), trims);
    }

    /** The next event the entity persisted, opened: the journal holds it sealed. */
    private static DeviceEvent nextPersisted(Entity entity) {
        Sealed sealed = JOURNAL.expectNextPersistedClass(entity.persistenceId(), Sealed.class);
        return new SealedEvents<>(SEAL, KIT.system(), PersistenceId.ofUniqueId(entity.persistenceId()), DeviceEvent.class)
                .fromJournal(sealed, "").events().head();
    }

    private static List<UUID> store(Entity entity, int count) {
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            entity.ref().tell(new DeviceCommand.Store(id, new byte[] {1, 2, 3}, UUID.randomUUID(),
                    System.currentTimeMillis() + 60_000, null, stored.getRef()));
            assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        }
        return ids;
    }

    @Test
    void aBurstOfAcksIsOneEventAndReceiptsFollowTheCommit() {
        Entity entity = claimed();
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        List<UUID> ids = store(entity, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(ids.get(i));
        }
        assertThat(nextPersisted(entity)).isInstanceOf(DeviceEvent.OwnerClaimed.class);
        for (int i = 0; i < 3; i++) {
            assertThat(nextPersisted(entity)).isInstanceOf(DeviceEvent.MessageStored.class);
        }

        ids.forEach(id -> entity.ref().tell(new DeviceCommand.Acknowledge(id, AckStatus.DELIVERED)));
        entity.devices().expectNoMessage(Duration.ofMillis(100)); // within the flush delay: nothing committed yet
        assertThat(nextPersisted(entity)).isEqualTo(new DeviceEvent.MessagesAcknowledged(ids));
        for (UUID id : ids) {
            DeviceCommand.Push receipt = (DeviceCommand.Push) entity.devices().receiveMessage();
            MessageAck ack = (MessageAck) receipt.message().decode();
            assertThat(ack.messageId()).isEqualTo(id);
            assertThat(ack.deviceId()).contains(entity.id());
        }
        JOURNAL.expectNothingPersisted(entity.persistenceId(), Duration.ofMillis(300));
    }

    @Test
    void aReattachedConnectionIsNotSentWhatWasAcknowledgedButNotYetJournalled() {
        Entity entity = claimed();
        TestProbe<DeviceOutbound> first = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(first.getRef()));
        List<UUID> ids = store(entity, 2);
        first.expectMessageClass(DeviceOutbound.Deliver.class);
        first.expectMessageClass(DeviceOutbound.Deliver.class);
        entity.ref().tell(new DeviceCommand.Acknowledge(ids.get(0), AckStatus.DELIVERED));
        TestProbe<DeviceOutbound> second = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(second.getRef()));
        assertThat(second.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(ids.get(1));
        second.expectNoMessage(Duration.ofMillis(400));
    }

    /**
     * A database that hung: the write of a message is reported failed (the journal's breaker timed
     * out) but commits when the database comes back. The entity restarts in place and recovers
     * that message; the connection still attached must get it, before anything stored later, or
     * the recipient's conversation chain breaks (found by ClusterIT with PostgreSQL under SIGSTOP).
     */
    @Test
    void aWriteThatFailedButCommittedReachesTheConnectionStillAttached() {
        Entity entity = claimed();
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        UUID first = store(entity, 1).get(0);
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(first);

        UUID late = UUID.randomUUID();
        JOURNAL.failNextPersisted(entity.persistenceId());
        TestProbe<DeviceReply.StoreReply> noAnswer = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Store(late, new byte[] {4}, UUID.randomUUID(), System.currentTimeMillis() + 60_000,
                null, noAnswer.getRef()));
        // ... and yet it reached the database (before the restart's recovery reads it)
        JOURNAL.persistForRecovery(entity.persistenceId(), List.of(
                new DeviceEvent.MessageStored(late, new byte[] {4}, UUID.randomUUID(), System.currentTimeMillis(),
                        System.currentTimeMillis() + 60_000, null)));
        noAnswer.expectNoMessage(Duration.ofMillis(300));

        // after the restart (200 ms backoff) the inbox goes out again, in order, without a new attach
        List<UUID> delivered = new ArrayList<>();
        delivered.add(connection.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(5)).messageId());
        delivered.add(connection.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(5)).messageId());
        assertThat(delivered).containsExactly(first, late);
    }

    /**
     * Payloads stay in the journal: with no payload kept in memory ({@code hot-payload-bytes} 0),
     * every message is read back from its journal row when it is delivered, in inbox order and
     * byte for byte, also after the entity restarted from an index-only snapshot.
     */
    @Test
    void payloadsAreReadBackFromTheJournalInInboxOrder() {
        Entity entity = claimed();
        List<UUID> ids = new ArrayList<>();
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        for (int i = 0; i < 5; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            entity.ref().tell(new DeviceCommand.Store(id, new byte[] {(byte) i, 7}, UUID.randomUUID(),
                    System.currentTimeMillis() + 60_000, null, stored.getRef()));
            assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        }
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        for (int i = 0; i < 5; i++) {
            DeviceOutbound.Deliver deliver = connection.expectMessageClass(DeviceOutbound.Deliver.class);
            assertThat(deliver.messageId()).isEqualTo(ids.get(i));
            assertThat(deliver.payload()).containsExactly((byte) i, 7);
        }
    }

    /** The inbox's count and byte quotas: past either a copy is refused, nothing stored; acks make room. */
    @Test
    void anInboxStopsAtItsQuotas() {
        Entity entity = claimed();
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // 2 × 4000 bytes of 8192
            UUID id = UUID.randomUUID();
            ids.add(id);
            entity.ref().tell(new DeviceCommand.Store(id, new byte[4000], UUID.randomUUID(), System.currentTimeMillis() + 60_000,
                    null, stored.getRef()));
            assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        }
        entity.ref().tell(new DeviceCommand.Store(UUID.randomUUID(), new byte[300], UUID.randomUUID(),
                System.currentTimeMillis() + 60_000, null, stored.getRef()));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.INBOX_FULL);

        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        ids.forEach(id -> entity.ref().tell(new DeviceCommand.Acknowledge(id, AckStatus.DELIVERED)));
        entity.devices().receiveMessage(); // the receipts: the acks are journalled
        entity.devices().receiveMessage();
        for (int i = 0; i < 20; i++) { // the count quota: 20 small ones fit, the 21st does not
            entity.ref().tell(new DeviceCommand.Store(UUID.randomUUID(), new byte[] {1}, UUID.randomUUID(),
                    System.currentTimeMillis() + 60_000, null, stored.getRef()));
            assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        }
        entity.ref().tell(new DeviceCommand.Store(UUID.randomUUID(), new byte[] {1}, UUID.randomUUID(),
                System.currentTimeMillis() + 60_000, null, stored.getRef()));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.INBOX_FULL);
    }

    /** A group's batch: each entry decided on its own (a repeat in the batch, one seen before, one past the quota), the rest stored in order. */
    @Test
    void aBatchOfEntriesIsDecidedEntryByEntryAndStoredInOrder() {
        Entity entity = claimed();
        UUID before = store(entity, 1).get(0);
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(before);
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID tooBig = UUID.randomUUID();
        long expiresAt = System.currentTimeMillis() + 60_000;
        entity.ref().tell(new DeviceCommand.StoreAll(List.of(
                new DeviceCommand.Store(first, new byte[4000], UUID.randomUUID(), expiresAt, null, stored.getRef()),
                new DeviceCommand.Store(first, new byte[4000], UUID.randomUUID(), expiresAt, null, stored.getRef()),
                new DeviceCommand.Store(before, new byte[] {1}, UUID.randomUUID(), expiresAt, null, stored.getRef()),
                new DeviceCommand.Store(second, new byte[4000], UUID.randomUUID(), expiresAt, null, stored.getRef()),
                new DeviceCommand.Store(tooBig, new byte[300], UUID.randomUUID(), expiresAt, null, stored.getRef()))));
        Map<UUID, List<DeviceReply.StoreResult>> answers = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) {
            DeviceReply.StoreReply reply = stored.receiveMessage();
            assertThat(reply.deviceId()).isEqualTo(entity.id());
            answers.computeIfAbsent(reply.entryId(), id -> new ArrayList<>()).add(reply.result());
        }
        assertThat(answers.get(first)).containsExactlyInAnyOrder(DeviceReply.StoreResult.DUPLICATE, DeviceReply.StoreResult.STORED);
        assertThat(answers.get(before)).containsExactly(DeviceReply.StoreResult.DUPLICATE);
        assertThat(answers.get(second)).containsExactly(DeviceReply.StoreResult.STORED);
        assertThat(answers.get(tooBig)).containsExactly(DeviceReply.StoreResult.INBOX_FULL);
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(first);
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(second);
        connection.expectNoMessage(Duration.ofMillis(200));
        assertThat(nextPersisted(entity)).isInstanceOf(DeviceEvent.OwnerClaimed.class);
        assertThat(((DeviceEvent.MessageStored) nextPersisted(entity)).messageId()).isEqualTo(before);
        assertThat(((DeviceEvent.MessageStored) nextPersisted(entity)).messageId()).isEqualTo(first);
        assertThat(((DeviceEvent.MessageStored) nextPersisted(entity)).messageId()).isEqualTo(second);
        JOURNAL.expectNothingPersisted(entity.persistenceId(), Duration.ofMillis(200));
    }

    /**
     * Retention: while a message waits, nothing below its row is trimmed; once the inbox drained,
     * the entity snapshots and asks for every row but the last to go, and recovers from that
     * snapshot alone (owner, dedup ids) when the rows are gone.
     */
    @Test
    void aDrainedInboxAsksForItsJournalPrefixToGo() {
        Entity entity = claimed();
        List<UUID> ids = store(entity, 2); // rows 2 and 3
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        entity.ref().tell(new DeviceCommand.Acknowledge(ids.get(0), AckStatus.DELIVERED));
        entity.devices().receiveMessage(); // row 4 acks the first: the second (row 3) still waits
        entity.trims().expectNoMessage(Duration.ofMillis(300));
        entity.ref().tell(new DeviceCommand.Acknowledge(ids.get(1), AckStatus.DELIVERED));
        entity.devices().receiveMessage(); // row 5: drained
        assertThat(entity.trims().receiveMessage(Duration.ofSeconds(3))).isEqualTo(entity.persistenceId() + " 4 5");

        // the journal loses rows 1..4 as the trimmer would delete them; recovery needs only the snapshot
        KIT.stop(entity.ref());
        List<Object> rest = new ArrayList<>();
        JOURNAL.persistedInStorage(entity.persistenceId()).stream().skip(4).forEach(rest::add);
        JOURNAL.clearByPersistenceId(entity.persistenceId());
        JOURNAL.persistForRecovery(entity.persistenceId(), rest);
        Entity again = new Entity(entity.id(), KIT.spawn(DeviceSessionEntity.create(entity.id().toString(), SETTINGS,
                port(null, null), new ServerMetrics(), SEAL)), entity.devices(), entity.persistenceId(), entity.trims());
        TestProbe<DeviceReply.ClaimResult> claim = KIT.createTestProbe();
        again.ref().tell(new DeviceCommand.Claim("dev@localhost", claim.getRef()));
        assertThat(claim.receiveMessage()).isEqualTo(DeviceReply.ClaimResult.ALREADY_OWNED);
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        again.ref().tell(new DeviceCommand.Store(ids.get(0), new byte[] {1}, UUID.randomUUID(), System.currentTimeMillis() + 60_000,
                null, stored.getRef()));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.DUPLICATE);
    }

    /**
     * Retention of an inbox that never drains (one message is never acknowledged): the regular
     * snapshots (every 10 events here) still trim every row below that message, and once it
     * expires the rest goes too. What stays behind a stuck message is only the rows from it on.
     */
    @Test
    void anInboxThatNeverDrainsIsTrimmedBelowItsOldestMessage() throws Exception {
        Entity entity = claimed(null, new ServerMetrics(), settings(Map.of("norc.delivery.snapshot-every", "10"))); // row 1
        List<UUID> first = store(entity, 4); // rows 2..5
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        UUID stuck = UUID.randomUUID();
        long expiresAt = System.currentTimeMillis() + 1500;
        entity.ref().tell(new DeviceCommand.Store(stuck, new byte[] {4}, UUID.randomUUID(), expiresAt, null, stored.getRef())); // row 6
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        for (int i = 0; i < 5; i++) {
            connection.expectMessageClass(DeviceOutbound.Deliver.class);
        }
        first.forEach(id -> entity.ref().tell(new DeviceCommand.Acknowledge(id, AckStatus.DELIVERED)));
        for (int i = 0; i < 4; i++) {
            entity.devices().receiveMessage(); // receipts: row 7 journalled the acks
        }
        List<UUID> more = store(entity, 2); // rows 8, 9
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        more.forEach(id -> entity.ref().tell(new DeviceCommand.Acknowledge(id, AckStatus.DELIVERED))); // row 10: a snapshot
        assertThat(entity.trims().receiveMessage(Duration.ofSeconds(3))).as("the inbox still holds row 6")
                .isEqualTo(entity.persistenceId() + " 5 10");

        Thread.sleep(Math.max(0, expiresAt - System.currentTimeMillis() + 100));
        TestProbe<DeviceOutbound> reconnected = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(reconnected.getRef())); // row 11: the stuck message expired
        assertThat(entity.trims().receiveMessage(Duration.ofSeconds(3))).isEqualTo(entity.persistenceId() + " 10 11");
        reconnected.expectNoMessage(Duration.ofMillis(200));
    }

    /**
     * Other users' presence and key exchanges reach a device within its relay budget (burst 120)
     * and are dropped past it, however many senders; the server's own pushes (receipts) are not
     * limited; an id that is no registered device relays nothing.
     */
    @Test
    void relaysFromOtherUsersStopAtTheDevicesBudget() {
        // a refill of one a minute: the burst is all this test's 300 relays can spend, however slow the box
        Entity entity = claimed(null, new ServerMetrics(), settings(Map.of("norc.limits.relays-per-device-per-minute", "1")));
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        WireMessage presence = WireMessage.of(new norc.wire.message.PresenceUpdate(norc.wire.message.Atoms.PresenceStatus.ONLINE,
                Optional.empty(), List.of(), 0, Optional.of("mallory@localhost")));
        for (int i = 0; i < 300; i++) {
            entity.ref().tell(new DeviceCommand.Relay(presence));
        }
        entity.ref().tell(new DeviceCommand.Push(presence));
        List<DeviceOutbound> got = connection.receiveSeveralMessages(121, Duration.ofSeconds(5));
        assertThat(got).allMatch(m -> m instanceof DeviceOutbound.Ephemeral);
        connection.expectNoMessage(Duration.ofMillis(300));

        TestProbe<DeviceOutbound> stranger = KIT.createTestProbe();
        ActorRef<DeviceCommand> unregistered = KIT.spawn(DeviceSessionEntity.create(UUID.randomUUID().toString(), SETTINGS,
                port(null, null, true), new ServerMetrics(), SEAL));
        unregistered.tell(new DeviceCommand.Attach(stranger.getRef()));
        unregistered.tell(new DeviceCommand.Relay(presence));
        stranger.expectNoMessage(Duration.ofMillis(300));
    }

    /**
     * The first message stored by a command that started the entity (it waited for the recovery)
     * gets its own row's sequence number: Pekko's lastSequenceNumber is one behind there (found by
     * SupervisionIT: two index entries pointed at one row and the second message never left).
     */
    @Test
    void aMessageStoredRightAfterRecoveryIsReadBackFromItsOwnRow() {
        Entity entity = claimed();
        store(entity, 2);
        KIT.stop(entity.ref());
        ActorRef<DeviceCommand> again = KIT.spawn(DeviceSessionEntity.create(entity.id().toString(), SETTINGS,
                port(null, null), new ServerMetrics(), SEAL));
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        UUID third = UUID.randomUUID();
        again.tell(new DeviceCommand.Store(third, new byte[] {9, 9}, UUID.randomUUID(), System.currentTimeMillis() + 60_000, null,
                stored.getRef()));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        again.tell(new DeviceCommand.Attach(connection.getRef()));
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        connection.expectMessageClass(DeviceOutbound.Deliver.class);
        DeviceOutbound.Deliver last = connection.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(5));
        assertThat(last.messageId()).isEqualTo(third);
        assertThat(last.payload()).containsExactly(9, 9);
    }

    /**
     * A payload row the journal answers without (deleted by hand, lost in a restore) is asked for
     * payload-read-attempts times (3 here), then its message leaves the inbox, journalled, and the
     * messages behind it are delivered; before, it held back all of them.
     */
    @Test
    void aMessageWhoseRowIsGoneLeavesTheInboxAfterItsReadAttempts() {
        AtomicInteger reads = new AtomicInteger();
        ServerMetrics metrics = new ServerMetrics();
        Entity entity = claimed((persistenceId, from, to) -> {
            reads.incrementAndGet();
            return QUERIES.currentEventsByPersistenceId(persistenceId, from, to).runWith(Sink.seq(), KIT.system())
                    .thenApply(rows -> rows.stream().filter(row -> row.sequenceNr() != 2).toList()); // row 2: the first message
        }, metrics);
        List<UUID> ids = store(entity, 3);
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(5)).messageId()).isEqualTo(ids.get(1));
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(ids.get(2));
        connection.expectNoMessage(Duration.ofMillis(300));
        assertThat(reads.get()).as("reads of the missing row").isGreaterThanOrEqualTo(3);
        List<DeviceEvent> journal = persisted(entity);
        assertThat(journal.get(journal.size() - 1)).isEqualTo(new DeviceEvent.MessagesUnreadable(List.of(ids.get(0))));
        assertThat(new String(metrics.scrape(), StandardCharsets.UTF_8)).contains("norc_payloads_unreadable_total 1.0");
    }

    /** A journal that fails is asked again, backing off, however often: an outage drops nothing. */
    @Test
    void aFailingJournalIsReadAgainUntilItAnswersAndNothingIsDropped() {
        AtomicInteger failuresLeft = new AtomicInteger(5); // more than payload-read-attempts
        Entity entity = claimed((persistenceId, from, to) -> failuresLeft.getAndDecrement() > 0
                ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("journal down"))
                : QUERIES.currentEventsByPersistenceId(persistenceId, from, to).runWith(Sink.seq(), KIT.system()), new ServerMetrics());
        List<UUID> ids = store(entity, 2);
        TestProbe<DeviceOutbound> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(connection.getRef()));
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(10)).messageId()).isEqualTo(ids.get(0));
        assertThat(connection.expectMessageClass(DeviceOutbound.Deliver.class).messageId()).isEqualTo(ids.get(1));
        assertThat(persisted(entity)).noneMatch(e -> e instanceof DeviceEvent.MessagesUnreadable);
    }

    /**
     * A group message's copy stored without its ciphertext: the live connection gets it whole at
     * once (from the ciphertext the store carried), the journal row holds only the stripped copy,
     * and read back later it is made whole from the body table; a body that is gone counts as a
     * missing row, so the message leaves after its read attempts instead of blocking the inbox.
     */
    @Test
    void aSharedCiphertextIsSplicedBackLiveAndFromTheBodyTable() {
        byte[] stripped = {7, 0, 0, 0, 0, 8}; // a u32 zero length at offset 1
        byte[] body = {42, 43, 44};
        String key = "body-" + UUID.randomUUID();
        BODIES.put(key, body);
        Entity entity = claimed();
        TestProbe<DeviceOutbound> live = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(live.getRef()));
        TestProbe<DeviceReply.StoreReply> stored = KIT.createTestProbe();
        UUID first = UUID.randomUUID();
        entity.ref().tell(new DeviceCommand.Store(first, stripped, UUID.randomUUID(), System.currentTimeMillis() + 60_000, null,
                stored.getRef(), InboxEntries.MESSAGE_SEND, key, 1, body));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        assertThat(live.expectMessageClass(DeviceOutbound.Deliver.class).payload()).containsExactly(7, 0, 0, 0, 3, 42, 43, 44, 8);
        assertThat(nextPersisted(entity)).isInstanceOf(DeviceEvent.OwnerClaimed.class);
        DeviceEvent.MessageStored row = (DeviceEvent.MessageStored) nextPersisted(entity);
        assertThat(row.payload()).containsExactly(stripped); // the ciphertext is not in the inbox's row
        assertThat(row.bodyKey()).isEqualTo(key);
        assertThat(row.bodySize()).isEqualTo(3);

        // detached: the next ones are read back, the first from the journal and the body table
        entity.ref().tell(new DeviceCommand.Detach(live.getRef()));
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();
        entity.ref().tell(new DeviceCommand.Store(second, stripped, UUID.randomUUID(), System.currentTimeMillis() + 60_000, null,
                stored.getRef(), InboxEntries.MESSAGE_SEND, key, 1, body));
        entity.ref().tell(new DeviceCommand.Store(third, stripped, UUID.randomUUID(), System.currentTimeMillis() + 60_000, null,
                stored.getRef(), InboxEntries.MESSAGE_SEND, "gone-" + UUID.randomUUID(), 1, body));
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        assertThat(stored.receiveMessage().result()).isEqualTo(DeviceReply.StoreResult.STORED);
        TestProbe<DeviceOutbound> again = KIT.createTestProbe();
        entity.ref().tell(new DeviceCommand.Attach(again.getRef()));
        List<UUID> delivered = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            DeviceOutbound.Deliver d = again.expectMessageClass(DeviceOutbound.Deliver.class, Duration.ofSeconds(5));
            assertThat(d.payload()).containsExactly(7, 0, 0, 0, 3, 42, 43, 44, 8);
            delivered.add(d.messageId());
        }
        assertThat(delivered).containsExactly(first, second);
        again.expectNoMessage(Duration.ofMillis(300)); // the third's body is gone: never sent half
        delivered.forEach(id -> entity.ref().tell(new DeviceCommand.Acknowledge(id, AckStatus.DELIVERED)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(persisted(entity))
                .contains(new DeviceEvent.MessagesUnreadable(List.of(third))));
    }

    /** Every event in the entity's journal, opened. */
    private static List<DeviceEvent> persisted(Entity entity) {
        SealedEvents<DeviceEvent> open = new SealedEvents<>(SEAL, KIT.system(), PersistenceId.ofUniqueId(entity.persistenceId()),
                DeviceEvent.class);
        return JOURNAL.persistedInStorage(entity.persistenceId()).stream()
                .map(row -> open.fromJournal((Sealed) row, "").events().head()).toList();
    }
}
