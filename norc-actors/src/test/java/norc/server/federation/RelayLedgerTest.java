package norc.server.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.UUID;
import norc.server.NorcConfig;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LedgerReply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The relay ledger through a journal fault: an outcome whose write failed is not known after the
 * ledger restarts (Pekko reuses the entity's empty state across restarts; were it mutated, the
 * failed outcome would be recovered and a duplicate would get an answer never journalled), and
 * one written before the fault still is.
 */
class RelayLedgerTest {
    private static final ActorTestKit KIT = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
            .withFallback(PersistenceTestKitSnapshotPlugin.getInstance().config())
            .withFallback(ConfigFactory.parseString("pekko.actor.provider = local\npekko.actor.serialize-messages = on"))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void anOutcomeWhoseWriteFailedIsNotRecovered() {
        // a server id (no UUID: LogPrivacyIT reads every UUID in the suite's log as someone's id)
        String origin = "origin-" + Long.toHexString(new java.util.Random().nextLong()) + ".example#0";
        ActorRef<LedgerCommand> ledger = KIT.spawn(RelayLedger.create(origin));
        TestProbe<LedgerReply> probe = KIT.createTestProbe();
        UUID kept = UUID.randomUUID();
        ledger.tell(new LedgerCommand.Record(kept, 0, System.currentTimeMillis() + 60_000, probe.getRef()));
        assertThat(probe.receiveMessage()).isEqualTo(new LedgerReply.Recorded(kept, 0));

        JOURNAL.failNextNPersisted("FederationRelayLedger|" + origin, 1);
        UUID lost = UUID.randomUUID();
        ledger.tell(new LedgerCommand.Record(lost, 2003, System.currentTimeMillis() + 60_000, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(500)); // the write failed: no answer, the ledger restarts

        ledger.tell(new LedgerCommand.Begin(lost, probe.getRef()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(10))).isEqualTo(new LedgerReply.Proceed(lost));
        ledger.tell(new LedgerCommand.Begin(kept, probe.getRef()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(10))).isEqualTo(new LedgerReply.Recorded(kept, 0));
    }
}
