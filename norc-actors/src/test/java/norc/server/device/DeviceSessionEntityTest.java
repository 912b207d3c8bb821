package norc.server.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.NorcConfig;
import norc.server.ServerSettings;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.DeviceReply;
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
    private static final ServerSettings SETTINGS = ServerSettings.from(NorcConfig.load(ConfigFactory.parseMap(Map.of(
            "norc.delivery.ack-flush-delay", "200ms"))));
    private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());
    private static final StorageSeal SEAL = StorageSeal.of(new byte[StorageSeal.SECRET_LENGTH]);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private record Entity(UUID id, ActorRef<DeviceCommand> ref, TestProbe<DeviceCommand> devices,
                          String persistenceId) {}

    private static Entity claimed() {
        UUID id = UUID.randomUUID();
        TestProbe<DeviceCommand> devices = KIT.createTestProbe();
        ActorRef<DeviceCommand> ref = KIT.spawn(DeviceSessionEntity.create(id.toString(), SETTINGS,
                new DeviceSessionEntity.Devices() {
                    @Override
                    public void tell(UUID device, DeviceCommand command) {
                        devices.getRef().tell(command);
                    }

                    @Override
                    public void deliveredFromOrigin(String originServer, UUID messageId, UUID device) {}

                    @Override
                    public void restarted(UUID device) {}
                }, new ServerMetrics(), SEAL));
        TestProbe<DeviceReply.ClaimResult> claimedProbe = KIT.createTestProbe();
        ref.tell(new DeviceCommand.Claim("dev@localhost", claimedProbe.getRef()));
        assertThat(claimedProbe.receiveMessage()).isEqualTo(DeviceReply.ClaimResult.CLAIMED);
        return new Entity(id, ref, devices, SEAL.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), id.toString()).id());
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
}
