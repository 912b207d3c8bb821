package norc.server.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.server.NorcConfig;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.InboxEntries;
import norc.server.storage.BlobTables;
import norc.server.storage.MessageBodies;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The group's fan-out against probe inboxes: per inbox one write in flight and the copies that
 * queued behind it sent together, in their steps' order; each step's outcome when its last inbox
 * answered; a message's copies held until its ciphertext is in the body table; a message past its
 * deadline reported incomplete and its waiting copies dropped, the steps behind it going on; an
 * unanswered write asked again.
 */
class InboxFanoutTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final BlobTables BLOBS = BlobTables.open(norc.persistence.JournalDatabase.of(
            "jdbc:h2:mem:fanout-bodies;DB_CLOSE_DELAY=-1", "sa", ""), 2, Duration.ofSeconds(5));
    private static final MessageBodies BODIES = MessageBodies.open(BLOBS);
    private static final UUID D1 = UUID.fromString("00000000-0000-4000-8000-0000000000d1");
    private static final UUID D2 = UUID.fromString("00000000-0000-4000-8000-0000000000d2");
    private static final long EXPIRES = System.currentTimeMillis() + 60_000;

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
        BLOBS.close();
    }

    private final TestProbe<DeviceCommand> inbox1 = KIT.createTestProbe();
    private final TestProbe<DeviceCommand> inbox2 = KIT.createTestProbe();
    private final TestProbe<InboxFanout.Outcome> outcomes = KIT.createTestProbe();

    private ActorRef<InboxFanout.Command> fanout(Duration retryEvery) {
        Map<UUID, TestProbe<DeviceCommand>> inboxes = Map.of(D1, inbox1, D2, inbox2);
        return KIT.spawn(InboxFanout.create(device -> inboxes.get(device).getRef(), BODIES, retryEvery, outcomes.getRef()));
    }

    private static InboxFanout.Step step(long step, UUID entry, Optional<Duration> deadline, UUID... devices) {
        return new InboxFanout.Step(step, java.util.Arrays.stream(devices)
                .map(d -> new InboxFanout.Copy(d, entry, InboxEntries.MESSAGE_SEND, new byte[] {(byte) step}, null)).toList(),
                null, EXPIRES, deadline);
    }

    private static List<DeviceCommand.Store> entries(DeviceCommand command) {
        return command instanceof DeviceCommand.StoreAll all ? all.entries() : List.of((DeviceCommand.Store) command);
    }

    private static void answer(DeviceCommand command, UUID device) {
        entries(command).forEach(s -> s.replyTo().tell(new DeviceReply.StoreReply(device, DeviceReply.StoreResult.STORED, s.messageId())));
    }

    @Test
    void copiesQueuedBehindAWriteInFlightGoTogetherInTheirOrder() {
        ActorRef<InboxFanout.Command> fanout = fanout(Duration.ofSeconds(30));
        UUID m1 = UUID.randomUUID();
        UUID m2 = UUID.randomUUID();
        UUID m3 = UUID.randomUUID();
        fanout.tell(step(1, m1, Optional.empty(), D1, D2));
        DeviceCommand first1 = inbox1.receiveMessage();
        DeviceCommand first2 = inbox2.receiveMessage();
        assertThat(entries(first1)).extracting(DeviceCommand.Store::messageId).containsExactly(m1);
        fanout.tell(step(2, m2, Optional.empty(), D1, D2));
        fanout.tell(step(3, m3, Optional.of(Duration.ofSeconds(30)), D1, D2));
        inbox1.expectNoMessage(Duration.ofMillis(200)); // one write in flight per inbox

        answer(first1, D1);
        DeviceCommand next1 = inbox1.receiveMessage();
        assertThat(next1).isInstanceOf(DeviceCommand.StoreAll.class);
        assertThat(entries(next1)).extracting(DeviceCommand.Store::messageId).containsExactly(m2, m3);
        outcomes.expectNoMessage(Duration.ofMillis(100)); // step 1 still waits for the second inbox

        answer(first2, D2);
        assertThat(outcomes.receiveMessage()).isEqualTo(new InboxFanout.Outcome(1, true, false));
        DeviceCommand next2 = inbox2.receiveMessage();
        assertThat(entries(next2)).extracting(DeviceCommand.Store::messageId).containsExactly(m2, m3);
        answer(next1, D1);
        answer(next2, D2);
        assertThat(List.of(outcomes.receiveMessage(), outcomes.receiveMessage()))
                .containsExactlyInAnyOrder(new InboxFanout.Outcome(2, true, false), new InboxFanout.Outcome(3, true, false));
    }

    @Test
    void aMessagesCopiesLeaveAfterItsCiphertextIsStoredOnce() throws Exception {
        ActorRef<InboxFanout.Command> fanout = fanout(Duration.ofSeconds(30));
        UUID m = UUID.randomUUID();
        String key = "body-" + m;
        byte[] ciphertext = {9, 8, 7, 6};
        fanout.tell(new InboxFanout.Step(1, List.of(new InboxFanout.Copy(D1, m, InboxEntries.MESSAGE_SEND, new byte[] {1}, null),
                new InboxFanout.Copy(D2, m, InboxEntries.MESSAGE_SEND, new byte[] {2}, null)),
                new InboxFanout.SharedBody(key, 0, ciphertext), EXPIRES, Optional.of(Duration.ofSeconds(10))));
        DeviceCommand.Store copy = (DeviceCommand.Store) inbox1.receiveMessage();
        assertThat(BODIES.get(List.of(key)).get().get(key)).containsExactly(ciphertext);
        assertThat(copy.bodyKey()).isEqualTo(key);
        assertThat(copy.body()).containsExactly(ciphertext);
        assertThat(copy.payload()).containsExactly(1);
        answer(copy, D1);
        answer(inbox2.receiveMessage(), D2);
        assertThat(outcomes.receiveMessage()).isEqualTo(new InboxFanout.Outcome(1, true, false));
    }

    @Test
    void aMessagePastItsDeadlineIsDroppedAndTheStepsBehindItGoOn() {
        ActorRef<InboxFanout.Command> fanout = fanout(Duration.ofMillis(300));
        UUID stuck = UUID.randomUUID();
        UUID late = UUID.randomUUID();
        UUID after = UUID.randomUUID();
        fanout.tell(step(1, stuck, Optional.of(Duration.ofMillis(500)), D1));
        assertThat(entries(inbox1.receiveMessage())).extracting(DeviceCommand.Store::messageId).containsExactly(stuck);
        fanout.tell(step(2, late, Optional.of(Duration.ofMillis(500)), D1)); // waits behind it, and misses its deadline too
        fanout.tell(step(3, after, Optional.empty(), D1));
        // not answered: asked again, then both messages time out
        assertThat(entries(inbox1.receiveMessage())).extracting(DeviceCommand.Store::messageId).containsExactly(stuck);
        assertThat(List.of(outcomes.receiveMessage(), outcomes.receiveMessage()))
                .containsExactlyInAnyOrder(new InboxFanout.Outcome(1, false, false), new InboxFanout.Outcome(2, false, false));
        // the next retry leaves the ended step's copy out: the change behind it goes, alone
        DeviceCommand next = inbox1.fishForMessage(Duration.ofSeconds(3), command -> entries(command).get(0).messageId().equals(after)
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).get(0);
        assertThat(entries(next)).extracting(DeviceCommand.Store::messageId).containsExactly(after);
        answer(next, D1);
        assertThat(outcomes.receiveMessage()).isEqualTo(new InboxFanout.Outcome(3, true, false));
    }

    @Test
    void aFullInboxIsReportedWithItsStepAndAnEmptyStepEndsAtOnce() {
        ActorRef<InboxFanout.Command> fanout = fanout(Duration.ofSeconds(30));
        UUID m = UUID.randomUUID();
        fanout.tell(step(1, m, Optional.of(Duration.ofSeconds(10)), D1, D2));
        answer(inbox1.receiveMessage(), D1);
        DeviceCommand.Store toSecond = (DeviceCommand.Store) inbox2.receiveMessage();
        fanout.tell(new InboxFanout.Step(2, List.of(), null, EXPIRES, Optional.empty()));
        assertThat(outcomes.receiveMessage()).isEqualTo(new InboxFanout.Outcome(2, true, false));
        toSecond.replyTo().tell(new DeviceReply.StoreReply(D2, DeviceReply.StoreResult.INBOX_FULL, m));
        assertThat(outcomes.receiveMessage()).isEqualTo(new InboxFanout.Outcome(1, true, true));
    }
}
