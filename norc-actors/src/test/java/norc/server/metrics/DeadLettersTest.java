package norc.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import norc.server.NorcConfig;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Dead letters are counted and logged by message type; the recipient, whose name may be an id, appears nowhere. */
class DeadLettersTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(NorcConfig.load(ConfigFactory.empty())));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    record Note(String text) {}

    @Test
    void aMessageToAStoppedActorIsCountedAndLoggedWithoutItsRecipient() throws Exception {
        ServerMetrics metrics = new ServerMetrics();
        KIT.spawn(DeadLetters.create(metrics, Duration.ofMillis(300)));
        ActorRef<Note> gone = KIT.spawn(Behaviors.stopped(), "recipient-named-after-someone");
        Thread.sleep(200); // the subscription is in place and the actor has stopped
        LoggingTestKit.info("dead letters").withMessageRegex(".*DeadLettersTest\\$Note=2.*").expect(KIT.system(), () -> {
            gone.tell(new Note("one"));
            gone.tell(new Note("two"));
            return null;
        });
        String scraped = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(scraped).contains("norc_dead_letters_total{type=\"norc.server.metrics.DeadLettersTest$Note\"} 2.0");
        assertThat(scraped).doesNotContain("recipient-named");
    }
}
