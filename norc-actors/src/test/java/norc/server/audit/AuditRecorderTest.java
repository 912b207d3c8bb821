package norc.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import norc.server.audit.api.AuditCommand;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The node's recorder: ids leave it only as pseudonyms, and a kind anyone can cause in bulk is
 * recorded at most {@code limit} times a window, then once as a count.
 */
class AuditRecorderTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Pseudonyms PSEUDONYMS = Pseudonyms.of(new byte[32]);

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void idsArePseudonymisedBeforeTheyLeave() {
        TestProbe<AuditCommand> journal = KIT.createTestProbe();
        ActorRef<AuditRecorder.Command> recorder = KIT.spawn(AuditRecorder.create(PSEUDONYMS, journal.getRef(), 60, Duration.ofMinutes(1)));
        UUID device = UUID.randomUUID();
        UUID conversation = UUID.randomUUID();
        recorder.tell(new AuditRecorder.Record(AuditEvent.of(AuditKinds.DEVICE_REVOCATION).with("reason", "lost")
                .user("alice@localhost").device(device).conversation(conversation)));
        AuditCommand.Append append = journal.expectMessageClass(AuditCommand.Append.class);
        assertThat(append.kind()).isEqualTo(AuditKinds.DEVICE_REVOCATION);
        assertThat(append.fields()).isEqualTo(Map.of("reason", "lost", "user", PSEUDONYMS.user("alice@localhost"),
                "device", PSEUDONYMS.device(device), "conversation", PSEUDONYMS.conversation(conversation)));
        assertThat(append.toString()).doesNotContain("alice", device.toString(), conversation.toString());
    }

    @Test
    void aFloodOfFailedAuthenticationsIsCutToTheLimitAndOneCount() {
        TestProbe<AuditCommand> journal = KIT.createTestProbe();
        ActorRef<AuditRecorder.Command> recorder = KIT.spawn(AuditRecorder.create(PSEUDONYMS, journal.getRef(), 60, Duration.ofSeconds(1)));
        for (int i = 0; i < 75; i++) {
            recorder.tell(new AuditRecorder.Record(AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("code", "1001")
                    .user("u" + i + "@localhost")));
        }
        recorder.tell(new AuditRecorder.Record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "user.created")));
        for (int i = 0; i < 60; i++) {
            assertThat(journal.expectMessageClass(AuditCommand.Append.class).kind()).isEqualTo(AuditKinds.AUTHENTICATION_FAILED);
        }
        // other kinds are not limited
        assertThat(journal.expectMessageClass(AuditCommand.Append.class).kind()).isEqualTo(AuditKinds.ADMIN_ACTION);
        AuditCommand.Append summary = journal.expectMessageClass(AuditCommand.Append.class, Duration.ofSeconds(5));
        assertThat(summary.kind()).isEqualTo(AuditKinds.AUTHENTICATION_FAILED_SUPPRESSED);
        assertThat(summary.fields()).containsEntry("count", "15").containsEntry("limit", "60");
        journal.expectNoMessage(Duration.ofMillis(200));

        // a new window records again
        recorder.tell(new AuditRecorder.Record(AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("code", "1004")));
        assertThat(journal.expectMessageClass(AuditCommand.Append.class).fields()).containsEntry("code", "1004");
        journal.expectNoMessage(Duration.ofMillis(1500)); // nothing suppressed: no summary
    }
}
