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
import norc.server.connection.ConnectionActor;
import norc.server.metrics.ServerMetrics;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
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
            .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final ServerSettings SETTINGS = ServerSettings.from(NorcConfig.load(ConfigFactory.parseMap(Map.of(
            "norc.delivery.ack-flush-delay", "200ms"))));
    private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    private record Entity(UUID id, ActorRef<DeviceSessionEntity.Command> ref, TestProbe<DeviceSessionEntity.Command> devices,
                          String persistenceId) {}

    private static Entity claimed() {
        UUID id = UUID.randomUUID();
        TestProbe<DeviceSessionEntity.Command> devices = KIT.createTestProbe();
        ActorRef<DeviceSessionEntity.Command> ref = KIT.spawn(DeviceSessionEntity.create(id.toString(), SETTINGS,
                (device, command) -> devices.getRef().tell(command), new ServerMetrics()));
        TestProbe<Boolean> claimedProbe = KIT.createTestProbe();
        ref.tell(new DeviceSessionEntity.Claim("dev@localhost", claimedProbe.getRef()));
        assertThat(claimedProbe.receiveMessage()).isTrue();
        return new Entity(id, ref, devices, "DeviceSession|" + id);
    }

    private static List<UUID> store(Entity entity, int count) {
        TestProbe<DeviceSessionEntity.StoreReply> stored = KIT.createTestProbe();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            entity.ref().tell(new DeviceSessionEntity.Store(id, new byte[] {1, 2, 3}, UUID.randomUUID(),
                    System.currentTimeMillis() + 60_000, stored.getRef()));
            assertThat(stored.receiveMessage().result()).isEqualTo(DeviceSessionEntity.StoreResult.STORED);
        }
        return ids;
    }

    @Test
    void aBurstOfAcksIsOneEventAndReceiptsFollowTheCommit() {
        Entity entity = claimed();
        TestProbe<ConnectionActor.Command> connection = KIT.createTestProbe();
        entity.ref().tell(new DeviceSessionEntity.Attach(connection.getRef()));
        List<UUID> ids = store(entity, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(connection.expectMessageClass(ConnectionActor.Deliver.class).messageId()).isEqualTo(ids.get(i));
        }
        JOURNAL.expectNextPersistedClass(entity.persistenceId(), DeviceSessionEntity.OwnerClaimed.class);
        for (int i = 0; i < 3; i++) {
            JOURNAL.expectNextPersistedClass(entity.persistenceId(), DeviceSessionEntity.MessageStored.class);
        }

        ids.forEach(id -> entity.ref().tell(new DeviceSessionEntity.Acknowledge(id, AckStatus.DELIVERED)));
        entity.devices().expectNoMessage(Duration.ofMillis(100)); // within the flush delay: nothing committed yet
        JOURNAL.expectNextPersisted(entity.persistenceId(), new DeviceSessionEntity.MessagesAcknowledged(ids));
        for (UUID id : ids) {
            DeviceSessionEntity.Push receipt = (DeviceSessionEntity.Push) entity.devices().receiveMessage();
            assertThat(((MessageAck) receipt.message()).messageId()).isEqualTo(id);
            assertThat(((MessageAck) receipt.message()).deviceId()).contains(entity.id());
        }
        JOURNAL.expectNothingPersisted(entity.persistenceId(), Duration.ofMillis(300));
    }

    @Test
    void aReattachedConnectionIsNotSentWhatWasAcknowledgedButNotYetJournalled() {
        Entity entity = claimed();
        TestProbe<ConnectionActor.Command> first = KIT.createTestProbe();
        entity.ref().tell(new DeviceSessionEntity.Attach(first.getRef()));
        List<UUID> ids = store(entity, 2);
        first.expectMessageClass(ConnectionActor.Deliver.class);
        first.expectMessageClass(ConnectionActor.Deliver.class);
        entity.ref().tell(new DeviceSessionEntity.Acknowledge(ids.get(0), AckStatus.DELIVERED));
        TestProbe<ConnectionActor.Command> second = KIT.createTestProbe();
        entity.ref().tell(new DeviceSessionEntity.Attach(second.getRef()));
        assertThat(second.expectMessageClass(ConnectionActor.Deliver.class).messageId()).isEqualTo(ids.get(1));
        second.expectNoMessage(Duration.ofMillis(400));
    }
}
