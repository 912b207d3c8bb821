package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorIdentity;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Identify;
import org.apache.pekko.actor.Kill;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision in action: crash a connection actor and a device-session entity on purpose (Pekko's
 * {@code Kill}, an {@code ActorKilledException} inside the actor) and check that exactly that scope
 * is affected: the crashed connection's socket closes and nothing else does; the crashed entity
 * comes back from its journal; nothing queued is lost.
 */
class SupervisionIT {
    private static final java.util.concurrent.atomic.AtomicLong FINDERS = new java.util.concurrent.atomic.AtomicLong();
    @TempDir
    Path dir;

    @Test
    void crashesStayInTheirScopeAndLoseNothing() throws Exception {
        try (TestServer server = TestServer.start(dir, "norc.delivery.attach-refresh = 1s")) {
            ActorSystem classic = Adapter.toClassic(server.server.system());
            String bobId = "bob@" + server.serverId();
            DeviceIdentity[] bob = new DeviceIdentity[1];
            server.registerNew("bob", WireEncoding.BINARY, new RecordingListener(), bob).close();
            RecordingListener aliceHears = new RecordingListener();
            NorcClient alice = server.registerNew("alice", WireEncoding.BINARY, aliceHears, null);
            UUID conversation = UUID.randomUUID();

            // 1. bob is offline with 5 queued messages; his device entity crashes
            for (int i = 0; i < 5; i++) {
                send(alice, conversation, bobId, "queued " + i);
            }
            String bobEntity = "/system/sharding/DeviceSession/*/" + server.server.entities().device(bob[0].deviceId()).getEntityId();
            Set<ActorRef> entities = find(classic, bobEntity);
            assertThat(entities).hasSize(1);
            ActorRef killed = entities.iterator().next();
            killed.tell(Kill.getInstance(), ActorRef.noSender());
            // a request racing the crash is lost with the mailbox and its sender hears 9002 (nothing was
            // acknowledged); this test waits for the crash to complete so that it checks what was committed
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (find(classic, bobEntity).contains(killed)) {
                assertThat(System.nanoTime()).isLessThan(deadline);
            }

            // alice's connection did not notice; the next message restarts bob's entity from its journal
            send(alice, conversation, bobId, "queued 5");
            assertThat(aliceHears.closed).isNotDone();

            Set<ActorRef> before = find(classic, "/user/connections/*");
            RecordingListener bobHears = new RecordingListener();
            NorcClient bobClient = server.connect(WireEncoding.BINARY, bobHears);
            bobClient.authenticate(bob[0]).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < 6; i++) {
                assertThat(text(bobHears.messages)).isEqualTo("queued " + i);
            }

            // 2. bob's connection actor crashes: his socket closes, alice's stays, the tree stays
            Set<ActorRef> after = find(classic, "/user/connections/*");
            after.removeAll(before);
            assertThat(after).hasSize(1);
            ActorRef supervisor = find(classic, "/user/connections").iterator().next();
            after.iterator().next().tell(Kill.getInstance(), ActorRef.noSender());
            bobHears.closed.get(5, TimeUnit.SECONDS);
            assertThat(aliceHears.closed).isNotDone();
            assertThat(find(classic, "/user/connections")).containsExactly(supervisor); // not restarted

            // a message to bob while he reconnects is stored and delivered: nothing lost
            send(alice, conversation, bobId, "after the crash");
            RecordingListener bobAgain = new RecordingListener();
            NorcClient bobClient2 = server.connect(WireEncoding.BINARY, bobAgain);
            bobClient2.authenticate(bob[0]).get(20, TimeUnit.SECONDS);
            assertThat(text(bobAgain.messages)).isEqualTo("after the crash");

            // 3. the entity, restarted earlier, still serves live delivery on the new connection
            send(alice, conversation, bobId, "live");
            assertThat(text(bobAgain.messages)).isEqualTo("live");
            alice.close();
            bobClient2.close();
        }
    }

    private static void send(NorcClient from, UUID conversation, String to, String text) throws Exception {
        from.send(conversation, List.of(to), text.getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
    }

    private static String text(BlockingQueue<ReceivedMessage> messages) throws InterruptedException {
        ReceivedMessage message = messages.poll(20, TimeUnit.SECONDS);
        assertThat(message).isNotNull();
        return new String(message.content(), StandardCharsets.UTF_8);
    }

    /** Live actors matching a path pattern, found with {@code Identify}. */
    private static Set<ActorRef> find(ActorSystem classic, String pattern) throws InterruptedException {
        BlockingQueue<ActorRef> found = new LinkedBlockingQueue<>();
        ActorRef collector = ((org.apache.pekko.actor.ExtendedActorSystem) classic).systemActorOf(
                Props.create(Collector.class, () -> new Collector(found)), "find-" + FINDERS.incrementAndGet());
        classic.actorSelection(pattern).tell(new Identify(pattern), collector);
        Set<ActorRef> refs = new HashSet<>();
        ActorRef next;
        while ((next = found.poll(Duration.ofMillis(700).toMillis(), TimeUnit.MILLISECONDS)) != null) {
            refs.add(next);
        }
        classic.stop(collector);
        return refs;
    }

    static final class Collector extends AbstractActor {
        private final BlockingQueue<ActorRef> found;

        Collector(BlockingQueue<ActorRef> found) {
            this.found = found;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder()
                    .match(ActorIdentity.class, id -> id.getActorRef().ifPresent(found::add))
                    .build();
        }
    }
}
