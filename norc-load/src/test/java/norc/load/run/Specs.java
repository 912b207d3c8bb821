package norc.load.run;

import java.util.List;

/** Worker specs for tests. */
public final class Specs {
    private Specs() {}

    public static WorkerSpec storm(int users, double rate) {
        return new WorkerSpec("storm", 0, "abc", "load-abc-", "peer.test", 0, users,
                List.of("wss://127.0.0.1:8443/norc-c"), null, true, "binary", List.of(), List.of(), 1, 1, rate, 1, 0,
                "provisioned", "http://127.0.0.1:8080", 8, 60, 0, 16, 0, 8, 5, 10, 60, 65536, 100, false, 250, 10_000, 0,
                10_000);
    }

    public static WorkerSpec chat(int devices, double rate) {
        return new WorkerSpec("chat", 0, "abc", "load-abc-", "peer.test", 0, devices,
                List.of("wss://127.0.0.1:8443/norc-c"), null, true, "binary", List.of(), List.of(), 1, 1, rate, 0, 0,
                "provisioned", "http://127.0.0.1:8080", 8, 60, 0, 16, 2, 8, 5, 10, 60, 65536, 100, true, 250, 10_000, 0,
                10_000);
    }
}
