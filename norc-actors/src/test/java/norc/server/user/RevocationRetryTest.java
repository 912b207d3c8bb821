package norc.server.user;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import norc.persistence.JournalDatabase.Trim;
import norc.server.NorcConfig;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.audit.AuditLog;
import norc.server.device.DeviceSessionEntity;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceReply;
import norc.server.metrics.ServerMetrics;
import norc.server.storage.Sealed;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserEvent;
import norc.server.user.api.UserReply;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Revocation is reconciled (hardening issue, item 5): a user entity that recovers a recent
 * revocation asks the device's entity to journal it until the device confirms, through journal
 * faults. Here the device entity's first two writes of the revocation fail (the persistence test
 * kit's fault injection on its journal), so the first two asks go unanswered; the revocation is
 * journalled by the third. A single fire-and-forget tell would have been lost with the first.
 */
class RevocationRetryTest {
    private static final ActorTestKit KIT = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(ConfigFactory.parseString("""
                    pekko.actor.provider = cluster
                    pekko.remote.artery.canonical.hostname = 127.0.0.1
                    pekko.remote.artery.canonical.port = 0
                    pekko.actor.serialize-messages = on
                    pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                    """))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());
    private static final StorageSeal SEAL = StorageSeal.of(new byte[StorageSeal.SECRET_LENGTH]);
    private static final ServerSettings SETTINGS = ServerSettings.from(NorcConfig.load(ConfigFactory.empty()));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void aRecoveredRevocationIsAskedAgainUntilTheDeviceJournalsIt() {
        Cluster.get(KIT.system()).manager().tell(Join.create(Cluster.get(KIT.system()).selfMember().address()));
        ShardedEntities entities = new ShardedEntities(ClusterSharding.get(KIT.system()), SEAL.entityNames());
        entities.sharding().init(Entity.of(DeviceCommand.ENTITY_TYPE_KEY, context -> DeviceSessionEntity.create(
                entities.deviceIdOf(context.getEntityId()), SETTINGS, NOWHERE, new ServerMetrics(), SEAL)));
        UserEntity.init(KIT.system(), entities, 100, Duration.ofDays(30),
                new norc.server.ServerSettings.DeviceKeys(Duration.ofDays(180), Duration.ofDays(7), Duration.ofDays(14)), AuditLog.none(), SEAL);

        String userId = "alice@localhost";
        UUID phone = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        long now = System.currentTimeMillis();
        String devicePid = SEAL.persistenceId(DeviceCommand.ENTITY_TYPE_KEY.name(), laptop.toString()).id();
        String userPid = SEAL.persistenceId(UserCommand.ENTITY_TYPE_KEY.name(), userId).id();
        // the node died after journalling the revocation and before the device heard of it
        JOURNAL.persistForRecovery(devicePid, List.of(sealed(devicePid, DeviceEvent.class, new DeviceEvent.OwnerClaimed(userId))));
        JOURNAL.persistForRecovery(userPid, List.of(
                sealed(userPid, UserEvent.class, new UserEvent.UserCreated(now - 60_000)),
                sealed(userPid, UserEvent.class, new UserEvent.DeviceRegistered(device(phone, now), "", true)),
                sealed(userPid, UserEvent.class, new UserEvent.DeviceRegistered(device(laptop, now), "", false)),
                sealed(userPid, UserEvent.class, new UserEvent.DeviceRevoked(laptop, phone, now, now - 1000, "lost",
                        WireEncoding.BINARY, new byte[] {1}))));
        JOURNAL.failNextNPersisted(devicePid, 2);

        TestProbe<UserReply.DeviceLookup> lookup = KIT.createTestProbe();
        entities.user(userId).tell(new UserCommand.GetDevice(laptop, lookup.getRef())); // starts the user entity: it recovers
        assertThat(lookup.receiveMessage(Duration.ofSeconds(10)).device()).hasValueSatisfying(d -> assertThat(d.revoked()).isTrue());

        // ask 1 and 2: the write fails, the device entity restarts, the ask times out (5 s), backoff 1 s, 2 s
        JOURNAL.expectNothingPersisted(devicePid, Duration.ofSeconds(5));
        SealedEvents<DeviceEvent> open = new SealedEvents<>(SEAL, KIT.system(), PersistenceId.ofUniqueId(devicePid), DeviceEvent.class);
        Sealed revoked = JOURNAL.expectNextPersistedClass(devicePid, Sealed.class, Duration.ofSeconds(25)); // ask 3
        assertThat(open.fromJournal(revoked, "").events().head()).isInstanceOf(DeviceEvent.DeviceRevoked.class);
        TestProbe<DeviceReply.ClaimResult> claim = KIT.createTestProbe();
        entities.device(laptop).tell(new DeviceCommand.Claim(userId, claim.getRef()));
        assertThat(claim.receiveMessage(Duration.ofSeconds(5))).isEqualTo(DeviceReply.ClaimResult.REVOKED);
    }

    private static DeviceRecord device(UUID id, long at) {
        return new DeviceRecord(id, new byte[32], new byte[32], "d", "phone", at - 50_000, 0);
    }

    private static <E> Sealed sealed(String persistenceId, Class<E> type, E event) {
        return (Sealed) new SealedEvents<>(SEAL, KIT.system(), PersistenceId.ofUniqueId(persistenceId), type).toJournal(event);
    }

    /** The device entity's port to the rest of the cluster: not needed by a revocation. */
    private static final DeviceSessionEntity.Devices NOWHERE = new DeviceSessionEntity.Devices() {
        @Override
        public void tell(UUID deviceId, DeviceCommand command) {}

        @Override
        public void deliveredFromOrigin(String originServer, UUID messageId, UUID deviceId) {}

        @Override
        public void restarted(UUID deviceId) {}

        @Override
        public CompletionStage<List<EventEnvelope>> events(String persistenceId, long from, long to) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Override
        public CompletionStage<Map<String, byte[]>> bodies(java.util.Collection<String> keys) {
            return CompletableFuture.completedFuture(Map.of());
        }

        @Override
        public void trim(Trim trim) {}
    };
}
