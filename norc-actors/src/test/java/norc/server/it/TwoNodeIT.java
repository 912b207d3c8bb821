package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.persistence.JournalDatabase;
import norc.server.device.api.DeviceCommand;
import norc.server.tls.TlsMaterial;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM form a cluster over real remoting, on one journal, with
 * {@code serialize-messages = on} (every message is serialized as if it crossed nodes). Devices
 * connected to both nodes message each other, so that entity commands, replies and deliveries to
 * connections cross the node boundary both ways, one ciphertext well past Artery's 256 KiB frame.
 * Then the first node leaves: its shards hand off, the entities that lived there start again on
 * the second node from the journal and announce it, so that connections attach to them at once
 * (the periodic refresh is set to 60 s here, longer than this test waits), the devices whose connections
 * were on the first node hear {@code 9002} and reconnect, and delivery goes on with nothing shown twice.
 */
class TwoNodeIT {
    private static final int PAIRS = 8;

    @TempDir
    static Path dir;

    @Test
    void messagesCrossNodesBothWaysAndSurviveTheirEntitiesMoving() throws Exception {
        int portA = freePort();
        String common = """
                norc.db.url = "%s"
                norc.cluster.seed-nodes = "127.0.0.1:%d"
                norc.delivery.attach-refresh = 60s
                pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                """.formatted(JournalDatabase.h2FileUrl(dir.resolve("journal")), portA);
        TestServer a = TestServer.start(dir.resolve("a"), common + "pekko.remote.artery.canonical.port = " + portA);
        Path tls = dir.resolve("a").resolve("tls");
        TestServer b = TestServer.start(dir.resolve("b"), common + """
                pekko.remote.artery.canonical.port = %d
                norc.identity-key = "%s"
                norc.storage.key-file = "%s"
                norc.tls.keystore = "%s"
                norc.tls.keystore-password = "%s"
                """.formatted(freePort(), dir.resolve("a").resolve("identity").resolve("server-ed25519.key"),
                dir.resolve("a").resolve("storage").resolve("seal.key"),
                tls.resolve(TlsMaterial.KEYSTORE_FILE), Files.readString(tls.resolve(TlsMaterial.PASSWORD_FILE)).strip()));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.upMembers(a.server.system()) == 2 && TestServer.upMembers(b.server.system()) == 2);
            assertThat(b.server.identityPublicKey()).isEqualTo(a.server.identityPublicKey()); // one server

            // senders on node a, recipients on node b
            List<NorcClient> senders = new ArrayList<>();
            List<DeviceIdentity> senderIds = new ArrayList<>();
            List<RecordingListener> recipientsHear = new ArrayList<>();
            List<DeviceIdentity> recipientIds = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                DeviceIdentity[] id = new DeviceIdentity[1];
                senders.add(a.registerNew("sender" + i, WireEncoding.BINARY, new RecordingListener(), id));
                senderIds.add(id[0]);
                RecordingListener hears = new RecordingListener();
                b.registerNew("recipient" + i, i % 2 == 0 ? WireEncoding.BINARY : WireEncoding.JSON, hears, id);
                recipientsHear.add(hears);
                recipientIds.add(id[0]);
            }

            byte[] large = new byte[300 * 1024];
            TestServer.RANDOM.nextBytes(large);
            for (int i = 0; i < PAIRS; i++) {
                send(senders.get(i), recipient(a, i), ("before " + i).getBytes(StandardCharsets.UTF_8));
                send(senders.get(i), recipient(a, i), large);
            }
            for (int i = 0; i < PAIRS; i++) {
                assertThat(text(next(recipientsHear.get(i)))).isEqualTo("before " + i);
                assertThat(next(recipientsHear.get(i)).content()).isEqualTo(large);
            }
            // the entities are spread over both nodes: some connection talks to an entity on the other node
            Set<String> onA = deviceEntities(a.server);
            Set<String> onB = deviceEntities(b.server);
            Set<String> all = new HashSet<>();
            senderIds.forEach(id -> all.add(id.deviceId().toString()));
            recipientIds.forEach(id -> all.add(id.deviceId().toString()));
            assertThat(onA).containsAnyElementsOf(all);
            assertThat(onB).containsAnyElementsOf(all);
            Set<String> recipientsOnA = recipientIds.stream().map(id -> id.deviceId().toString())
                    .filter(onA::contains).collect(Collectors.toSet());

            // node a leaves: its connections hear 9002 and close, its shards hand off to b
            a.close();
            for (NorcClient sender : senders) {
                assertThat(sender.closeFuture()).succeedsWithin(Duration.ofSeconds(15));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.upMembers(b.server.system()) == 1);

            for (int i = 0; i < PAIRS; i++) {
                RecordingListener hears = new RecordingListener();
                NorcClient sender = b.connect(WireEncoding.BINARY, hears);
                sender.authenticate(senderIds.get(i)).get(20, TimeUnit.SECONDS);
                send(sender, recipient(b, i), ("after " + i).getBytes(StandardCharsets.UTF_8));
                senders.set(i, sender);
            }
            for (int i = 0; i < PAIRS; i++) {
                assertThat(text(next(recipientsHear.get(i)))).isEqualTo("after " + i); // nothing from before, again
            }
            for (RecordingListener hears : recipientsHear) {
                assertThat(hears.messages.poll(500, TimeUnit.MILLISECONDS)).isNull();
            }
            assertThat(deviceEntities(b.server)).containsAll(recipientsOnA); // they moved
            senders.forEach(NorcClient::close);

            // a third node given a storage key of its own is refused before it joins: it could read nothing
            assertThatThrownBy(() -> TestServer.start(dir.resolve("c"), common + "pekko.remote.artery.canonical.port = " + freePort()))
                    .hasMessageContaining("the journal is sealed with storage key")
                    .hasMessageContaining("norc.storage.key-file");
        } finally {
            b.close();
            if (Cluster.get(a.server.system()).selfMember().status() != MemberStatus.removed()) {
                a.close();
            }
        }
    }

    private static String recipient(TestServer server, int i) {
        return "recipient" + i + "@" + server.serverId();
    }

    private static void send(NorcClient sender, String to, byte[] content) throws Exception {
        sender.send(UUID.randomUUID(), List.of(to), content).get(30, TimeUnit.SECONDS);
    }

    private static ReceivedMessage next(RecordingListener hears) throws InterruptedException {
        ReceivedMessage message = hears.messages.poll(30, TimeUnit.SECONDS);
        assertThat(message).as("a message within 30 s").isNotNull();
        return message;
    }

    private static String text(ReceivedMessage message) {
        return new String(message.content(), StandardCharsets.UTF_8);
    }


    private static Set<String> deviceEntities(norc.server.NorcServer node) throws Exception {
        ActorSystem<?> system = node.system();
        ShardRegion.CurrentShardRegionState state = AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                        ClusterSharding.get(system).shardState(),
                        replyTo -> new GetShardRegionState(DeviceCommand.ENTITY_TYPE_KEY, replyTo), Duration.ofSeconds(5),
                        system.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return state.getShards().stream().flatMap(shard -> shard.getEntityIds().stream())
                .map(node.entities()::deviceIdOf).collect(Collectors.toSet());
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
