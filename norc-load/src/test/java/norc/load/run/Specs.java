package norc.load.run;

import java.util.List;

/** Worker specs for tests. */
public final class Specs {
    private Specs() {}

    public static WorkerSpec storm(int users, double rate) {
        return new WorkerSpec("storm", 0, "abc", "load-abc-", "peer.test", 0, users,
                List.of("wss://127.0.0.1:8443/norc-c"), null, true, "binary", List.of(), List.of(), 1, 1, rate, 1, 0,
                "provisioned", "http://127.0.0.1:8080", 8, 60, 0, 16, 0, 8, 5, 10, 60, 65536, 100, false, 250, 10_000, 0,
                10_000, List.of(), null);
    }

    /** A chat over federated servers a.test, b.test, ... (one per endpoint), domains already known. */
    public static WorkerSpec federatedChat(int devices, int servers) {
        List<WorkerSpec.HomeServer> homes = new java.util.ArrayList<>();
        for (int s = 0; s < servers; s++) {
            char name = (char) ('a' + s);
            homes.add(new WorkerSpec.HomeServer("wss://127.0.0.1:" + (9443 + 10 * s) + "/norc-c",
                    "http://127.0.0.1:" + (9080 + 10 * s), "/certs/" + name + ".pem", name + ".test"));
        }
        return new WorkerSpec("chat", 0, "abc", "load-abc-", null, 0, devices,
                homes.stream().map(WorkerSpec.HomeServer::endpoint).toList(), null, false, "binary", List.of(),
                List.of(), 1, 1, 10, 0, 0, "provisioned", null, 8, 60, 0, 16, 2, 8, 5, 10, 60, 65536, 100, true, 250,
                10_000, 0, 10_000, homes, null);
    }

    public static WorkerSpec chat(int devices, double rate) {
        return new WorkerSpec("chat", 0, "abc", "load-abc-", "peer.test", 0, devices,
                List.of("wss://127.0.0.1:8443/norc-c"), null, true, "binary", List.of(), List.of(), 1, 1, rate, 0, 0,
                "provisioned", "http://127.0.0.1:8080", 8, 60, 0, 16, 2, 8, 5, 10, 60, 65536, 100, true, 250, 10_000, 0,
                10_000, List.of(), null);
    }
}
