package norc.load.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URI;
import java.util.List;
import java.util.Map;
import norc.load.net.NettyConnector;
import org.junit.jupiter.api.Test;

class WorkerSpecTest {
    private static final URI A = URI.create("wss://127.0.0.1:9443/norc-c");
    private static final URI B = URI.create("wss://127.0.0.1:9453/norc-c");
    private static final URI C = URI.create("wss://127.0.0.1:9463/norc-c");

    private static WorkerSpec oneServer(List<String> endpoints) {
        WorkerSpec chat = Specs.chat(8, 10);
        return new WorkerSpec(chat.scenario(), 0, chat.runId(), chat.userPrefix(), chat.domain(), 0, chat.users(),
                endpoints, "/certs/server.pem", false, chat.encoding(), chat.suites(), chat.sourceAddresses(), 1, 1,
                10, 0, 0, chat.registration(), chat.adminUrl(), 8, 60, 0, 16, 2, 8, 5, 10, 60, 65536, 100, true, 250,
                10_000, 0, 10_000, List.of(), null);
    }

    @Test
    void oneServerKeepsOneDomainAdminAndCertificateAndRotatesEndpoints() {
        WorkerSpec spec = oneServer(List.of(A.toString(), B.toString(), C.toString()));
        assertThat(spec.federated()).isFalse();
        assertThat(spec.userId(4)).isEqualTo("load-abc-4@peer.test");
        assertThat(spec.userId(5)).isEqualTo("load-abc-5@peer.test");
        // its own (index mod n) first, then the next ones
        assertThat(spec.endpointsOf(0)).containsExactly(A, B, C);
        assertThat(spec.endpointsOf(4)).containsExactly(B, C, A);
        assertThat(spec.endpointsOf(5)).containsExactly(C, A, B);
        assertThat(spec.adminUrlOf(4)).isEqualTo(spec.adminUrlOf(5)).isEqualTo("http://127.0.0.1:8080");
        assertThat(spec.trustCertificateFor(B.toString())).isEqualTo("/certs/server.pem");
        assertThat(Worker.endpointTrust(spec)).isEmpty();
        assertThatThrownBy(() -> spec.homeServerOf(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void federatedUsersLiveOnServerIndexModNWithItsDomainAdminEndpointAndCertificate() {
        WorkerSpec spec = Specs.federatedChat(8, 2);
        assertThat(spec.federated()).isTrue();
        assertThat(spec.userId(0)).isEqualTo("load-abc-0@a.test");
        assertThat(spec.userId(1)).isEqualTo("load-abc-1@b.test");
        assertThat(spec.userId(6)).isEqualTo("load-abc-6@a.test");
        assertThat(spec.userId(7)).isEqualTo("load-abc-7@b.test");
        // a user exists on its home server only: it never reconnects elsewhere
        assertThat(spec.endpointsOf(6)).containsExactly(A);
        assertThat(spec.endpointsOf(7)).containsExactly(B);
        assertThat(spec.adminUrlOf(6)).isEqualTo("http://127.0.0.1:9080");
        assertThat(spec.adminUrlOf(7)).isEqualTo("http://127.0.0.1:9090");
        assertThat(spec.trustCertificateFor(A.toString())).isEqualTo("/certs/a.pem");
        assertThat(spec.trustCertificateFor(B.toString())).isEqualTo("/certs/b.pem");
        assertThatThrownBy(() -> spec.trustCertificateFor(C.toString())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void federatedConnectionsTrustEachServersOwnCertificateAtItsEndpoint() {
        Map<URI, NettyConnector.Trust> trust = Worker.endpointTrust(Specs.federatedChat(4, 2));
        assertThat(trust).containsOnlyKeys(A, B);
        assertThat(trust.get(A)).isEqualTo(new NettyConnector.Trust.CertificateFile(new File("/certs/a.pem")));
        assertThat(trust.get(B)).isEqualTo(new NettyConnector.Trust.CertificateFile(new File("/certs/b.pem")));
        NettyConnector.Settings settings = new NettyConnector.Settings(Worker.trust(Specs.federatedChat(4, 2)), trust,
                1, java.time.Duration.ofSeconds(1), 1024);
        assertThat(settings.trustFor(B)).isEqualTo(trust.get(B));
        assertThat(settings.trustFor(C)).isInstanceOf(NettyConnector.Trust.SystemTrust.class);
    }

    @Test
    void everyPairSpansTwoServersForAnyServerCount() {
        for (int servers = 2; servers <= 4; servers++) {
            WorkerSpec spec = Specs.federatedChat(200, servers);
            for (int k = 0; k < 100; k++) {
                assertThat(spec.homeServerOf(2 * k)).as("pair %d over %d servers", k, servers)
                        .isNotEqualTo(spec.homeServerOf(2 * k + 1));
                String a = spec.userId(2 * k);
                String b = spec.userId(2 * k + 1);
                assertThat(a.substring(a.indexOf('@'))).isNotEqualTo(b.substring(b.indexOf('@')));
            }
        }
        // three servers: every server talks to both others
        WorkerSpec three = Specs.federatedChat(6, 3);
        assertThat(List.of(three.userId(0), three.userId(1), three.userId(2), three.userId(3), three.userId(4),
                three.userId(5))).containsExactly("load-abc-0@a.test", "load-abc-1@b.test", "load-abc-2@c.test",
                "load-abc-3@a.test", "load-abc-4@b.test", "load-abc-5@c.test");
    }

    @Test
    void aFederatedSpecRefusesSharedDomainsAndOneServerSettings() {
        WorkerSpec spec = Specs.federatedChat(4, 2);
        List<WorkerSpec.HomeServer> homes = spec.homeServers();
        assertThatThrownBy(() -> spec.withHomeServers(List.of(homes.get(0), homes.get(1).withDomain("a.test"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own domain");
        assertThatThrownBy(() -> spec.withHomeServers(List.of(homes.get(1), homes.get(0))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoints");
        assertThatThrownBy(() -> spec.withDomain("peer.test"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per home server");
        // domains not asked yet are allowed
        assertThat(spec.withHomeServers(homes.stream().map(h -> h.withDomain(null)).toList()).federated()).isTrue();
    }

    @Test
    void aFederatedSpecSurvivesSlicingAndTheLineProtocol() throws Exception {
        WorkerSpec spec = Specs.federatedChat(8, 2);
        assertThat(WorkerProtocol.readSpec(WorkerProtocol.spec(spec))).isEqualTo(spec);
        List<WorkerSpec> slices = RunPlan.slices(spec, 2, List.of());
        assertThat(slices).allSatisfy(s -> assertThat(s.homeServers()).isEqualTo(spec.homeServers()));
        WorkerSpec second = slices.get(1);
        assertThat(second.firstUser()).isEqualTo(4);
        assertThat(second.userId(second.firstUser())).isEqualTo("load-abc-4@a.test");
        assertThat(second.endpointsOf(second.firstUser() + 1)).containsExactly(B);
    }
}
