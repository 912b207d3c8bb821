package norc.server.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import norc.server.NorcConfig;
import norc.server.federation.api.IngressCommand;
import norc.server.federation.api.IngressReply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** One peer's cluster-wide bucket: leases shares while it has them, then refuses with the wait until the need fits. */
class IngressAllowanceTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(NorcConfig.load(ConfigFactory.empty())));

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void leasesSharesUntilTheBucketIsEmptyThenRefusesWithTheWait() {
        ActorRef<IngressCommand> allowance = KIT.spawn(IngressAllowance.create(new FederationSettings.Ingress(60, 1_000_000)));
        TestProbe<IngressReply> probe = KIT.createTestProbe();
        long granted = 0;
        for (int i = 0; i < 5; i++) { // 60 requests: five shares of 10 and one of what is left
            allowance.tell(new IngressCommand.Lease(10, 1000, 1, 100, probe.getRef()));
            IngressReply.Granted share = probe.expectMessageClass(IngressReply.Granted.class);
            assertThat(share.requests()).isEqualTo(10);
            assertThat(share.bytes()).isEqualTo(1000);
            granted += share.requests();
        }
        allowance.tell(new IngressCommand.Lease(20, 1000, 1, 100, probe.getRef()));
        IngressReply.Granted rest = probe.expectMessageClass(IngressReply.Granted.class);
        assertThat(rest.requests()).isBetween(10L, 11L); // what is left, not the 20 wanted (plus a refill of at most one)
        granted += rest.requests();
        assertThat(granted).isLessThanOrEqualTo(61);

        allowance.tell(new IngressCommand.Lease(10, 1000, 1, 100, probe.getRef()));
        IngressReply.Refused refused = probe.expectMessageClass(IngressReply.Refused.class);
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 2L); // one request refills in a second at 60 a minute
    }

    @Test
    void aBodyLargerThanTheBytesLeftWaitsForThem() {
        ActorRef<IngressCommand> allowance = KIT.spawn(IngressAllowance.create(new FederationSettings.Ingress(1000, 3000)));
        TestProbe<IngressReply> probe = KIT.createTestProbe();
        allowance.tell(new IngressCommand.Lease(1, 3000, 1, 3000, probe.getRef()));
        assertThat(probe.expectMessageClass(IngressReply.Granted.class).bytes()).isEqualTo(3000);
        allowance.tell(new IngressCommand.Lease(1, 300, 1, 300, probe.getRef())); // 300 bytes refill in 30 s at 3000 per 300 s
        assertThat(probe.expectMessageClass(IngressReply.Refused.class).retryAfterSeconds()).isBetween(29L, 30L);
    }
}
