package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.Receipt;
import norc.error.ErrorCode;
import norc.persistence.JournalDatabase;
import norc.server.tls.TlsMaterial;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.server.federation.api.OutboxCommand;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Federation on a cluster: server {@code a.localhost} runs as two nodes (one journal, one identity,
 * one storage key), {@code b.localhost} as one, reached through a TCP relay that can black-hole the
 * link. Senders on both of a's nodes write to bob@b in many conversations, so the per-peer outboxes
 * live on both nodes, all sending over the one link a keeps to b (profile §3: b keeps one link per
 * origin server, so two would replace each other). Then the network to b goes silent with relays
 * in flight and queued, and an operator revokes b on one node: within a second no node of a holds
 * a link to b, every relay still queued on either node fails with {@code 5001} to its sender, the
 * other node refuses b as well, and a new message to b is refused at the origin.
 */
class FederationClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SENDERS = 16;

    @TempDir
    Path dir;

    @Test
    void oneLinkPerPeerForTheClusterAndRevocationCutsItAndFailsWhatEveryNodeQueuedWithinASecond() throws Exception {
        Path dirA1 = dir.resolve("a1");
        Path dirB = dir.resolve("b");
        FederationIT.identity(dirA1);
        int federationA1 = FederationIT.freePort();
        int federationA2 = FederationIT.freePort();
        int federationB = FederationIT.freePort();
        int remotingA1 = FederationIT.freePort();
        Path zone = dir.resolve("zone.txt");
        try (StallingProxy toB = new StallingProxy(federationB)) {
            String common = """
                    norc.server-id = "a.localhost"
                    norc.db.url = "%s"
                    norc.cluster.seed-nodes = "127.0.0.1:%d"
                    pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                    norc.federation.interface = "127.0.0.1"
                    norc.federation.trust.dns-zone-file = "%s"
                    norc.limits.messages-per-minute = 100000
                    norc.limits.message-burst = 100000
                    norc.limits.key-lookups-per-minute = 100000
                    norc.limits.key-lookup-burst = 100000
                    """.formatted(JournalDatabase.h2FileUrl(dir.resolve("journal-a")), remotingA1, zone);
            TestServer a1 = TestServer.start(dirA1, common + "pekko.remote.artery.canonical.port = " + remotingA1
                    + "\nnorc.federation.port = " + federationA1);
            Path tls = dirA1.resolve("tls");
            TestServer a2 = TestServer.start(dir.resolve("a2"), common + """
                    pekko.remote.artery.canonical.port = %d
                    norc.federation.port = %d
                    norc.identity-key = "%s"
                    norc.storage.key-file = "%s"
                    norc.audit.secret-file = "%s"
                    norc.tls.keystore = "%s"
                    norc.tls.keystore-password = "%s"
                    """.formatted(FederationIT.freePort(), federationA2, dirA1.resolve("identity").resolve("server-ed25519.key"),
                    dirA1.resolve("storage").resolve("seal.key"), dirA1.resolve("audit").resolve("pseudonym.key"),
                    tls.resolve(TlsMaterial.KEYSTORE_FILE), Files.readString(tls.resolve(TlsMaterial.PASSWORD_FILE)).strip()));
            TestServer b = TestServer.start(dirB, """
                    norc.server-id = "b.localhost"
                    norc.federation.interface = "127.0.0.1"
                    norc.federation.port = %d
                    norc.federation.trust.dns-zone-file = "%s"
                    """.formatted(federationB, zone));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> TestServer.upMembers(a1.server.system()) == 2 && TestServer.upMembers(a2.server.system()) == 2);
                // trust by NORC-T: b admits a, a asks b for basic (dns proof, granted by b's policy), b's notice grants it at a
                assertThat(b.post("/admin/federation/peers", "{\"server_id\":\"a.localhost\",\"address\":\"127.0.0.1:"
                        + federationA1 + "\"}").statusCode()).isEqualTo(200);
                HttpResponse<String> asked = a1.post("/admin/federation/peers/b.localhost/request",
                        "{\"level\":\"basic\",\"address\":\"127.0.0.1:" + toB.port() + "\",\"operator\":\"ops-a\"}");
                assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
                TrustIT.awaitGrant(a2, "b.localhost", "basic");
                TrustIT.awaitGrant(b, "a.localhost", "basic");
                RecordingListener bobHears = new RecordingListener();
                NorcClient bob = b.registerNew("bob", WireEncoding.BINARY, bobHears, null);
                List<NorcClient> senders = new ArrayList<>();
                List<RecordingListener> sendersHear = new ArrayList<>();
                List<UUID> conversations = new ArrayList<>();
                for (int i = 0; i < SENDERS; i++) {
                    RecordingListener hears = new RecordingListener();
                    senders.add((i % 2 == 0 ? a1 : a2).registerNew("sender" + i, WireEncoding.BINARY, hears, null));
                    sendersHear.add(hears);
                    conversations.add(UUID.randomUUID());
                }

                // 1. traffic from both nodes: every conversation's outbox links to b from wherever it lives
                List<UUID> hellos = new ArrayList<>();
                for (int i = 0; i < SENDERS; i++) {
                    hellos.add(senders.get(i).send(conversations.get(i), List.of("bob@b.localhost"), bytes("hello " + i))
                            .get(30, TimeUnit.SECONDS).messageId());
                }
                for (int i = 0; i < SENDERS; i++) {
                    assertThat(bobHears.messages.poll(30, TimeUnit.SECONDS)).as("hello %d at bob", i).isNotNull();
                }
                for (int i = 0; i < SENDERS; i++) {
                    FederationIT.awaitReceipt(sendersHear.get(i), hellos.get(i), AckStatus.DELIVERED);
                }
                // the outboxes are on both nodes; the link to b is one for the cluster (profile §3: b keeps one per origin)
                assertThat(outboxes(a1)).as("outboxes on a1").isNotEmpty();
                assertThat(outboxes(a2)).as("outboxes on a2").isNotEmpty();
                assertThat(links(a1) + links(a2)).as("links from a to b").isEqualTo(1);

                // 2. the network to b goes silent: relays are accepted, journalled, in flight or queued
                toB.stall(true);
                Map<UUID, Integer> stuck = new HashMap<>();
                for (int i = 0; i < SENDERS; i++) {
                    for (int m = 0; m < 3; m++) {
                        stuck.put(senders.get(i).send(conversations.get(i), List.of("bob@b.localhost"), bytes("stuck " + i + "." + m))
                                .get(30, TimeUnit.SECONDS).messageId(), i);
                    }
                }
                Thread.sleep(500); // the first of each conversation is on the wire, the others wait behind it

                // 3. an operator on a1 revokes b
                long revokedAt = System.nanoTime();
                HttpResponse<String> revoked = a1.post("/admin/federation/peers/b.localhost/revoke", "{\"reason\":\"compromised\"}");
                assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> links(a1) == 0 && links(a2) == 0);
                Duration cut = Duration.ofNanos(System.nanoTime() - revokedAt);
                System.out.println("FederationClusterIT: links to the revoked peer gone on every node " + cut.toMillis()
                        + " ms after the revocation was answered");
                assertThat(cut).as("every node of a cut its links to b").isLessThan(Duration.ofSeconds(1));

                // every relay still queued, on either node, fails to its sender with 5001
                for (Map.Entry<UUID, Integer> message : stuck.entrySet()) {
                    Receipt failed = awaitFinal(sendersHear.get(message.getValue()), message.getKey());
                    assertThat(failed.status()).isEqualTo(AckStatus.FAILED);
                    assertThat(failed.errorCode()).contains((long) ErrorCode.FEDERATION_REFUSED.code());
                }
                // the other node refuses b too, and nothing more goes out to it
                JsonNode onA2 = JSON.readTree(a2.get("/admin/federation/peers/b.localhost").body());
                assertThat(onA2.path("grant").asText()).isEqualTo("untrusted");
                NorcClient late = senders.get(1); // on a2
                var refused = late.send(conversations.get(1), List.of("bob@b.localhost"), bytes("after"));
                assertThat(refused).failsWithin(Duration.ofSeconds(30));

                toB.stall(false);
                assertThat(bobHears.messages.poll(3, TimeUnit.SECONDS)).as("nothing reaches bob after the revocation")
                        .satisfiesAnyOf(m -> assertThat(m).isNull(),
                                m -> assertThat(new String(m.content(), StandardCharsets.UTF_8)).startsWith("stuck"));
                senders.forEach(NorcClient::close);
                bob.close();
            } finally {
                b.close();
                a2.close();
                a1.close();
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** This node's open NORC-F links to peers, from its Prometheus metrics. */
    private static long links(TestServer node) throws Exception {
        for (String line : node.get("/metrics").body().split("\n")) {
            if (line.startsWith("norc_federation_links ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).strip());
            }
        }
        throw new AssertionError("no norc_federation_links in /metrics");
    }

    /** The first receipt for {@code messageId} that is not {@code accepted}. */
    private static Receipt awaitFinal(RecordingListener hears, UUID messageId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (Receipt r : hears.receipts) {
                if (r.messageId().equals(messageId) && r.status() != AckStatus.ACCEPTED) {
                    return r;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no final receipt for a stuck message; saw " + hears.receipts);
    }

    private static Set<String> outboxes(TestServer node) throws Exception {
        ActorSystem<?> system = node.server.system();
        ShardRegion.CurrentShardRegionState state = AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
                        ClusterSharding.get(system).shardState(),
                        replyTo -> new GetShardRegionState(OutboxCommand.ENTITY_TYPE_KEY, replyTo), Duration.ofSeconds(5),
                        system.scheduler())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return state.getShards().stream().flatMap(shard -> shard.getEntityIds().stream()).collect(Collectors.toSet());
    }

}
