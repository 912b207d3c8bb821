package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The scanner LogPrivacyIT relies on finds what it must and nothing else. */
class LogScanTest {
    private static final String HEAD = "10:00:00.000 DEBUG org.apache.pekko.cluster.sharding.Shard pekkoAddress=pekko://norc@127.0.0.1:1234, "
            + "pekkoSource=pekko://norc@localhost:1234/system/sharding/User/5, sourceActorSystem=norc - ";

    @Test
    void findsIdsAndContentsInServerLinesAndTheirStackTraces() {
        List<String> lines = List.of(
                HEAD + "Started entity [Actor[pekko://norc/system/sharding/DeviceSession/1/6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b#1]]",
                HEAD + "Started entity [Actor[pekko://norc/system/sharding/User/663/alice-c%40localhost#-261]]",
                HEAD + "user bob@b.example refused",
                "10:00:00.000 WARN  norc.server.device.DeviceSessionEntity - failed",
                "java.lang.IllegalStateException: secret-marker-123",
                HEAD + "fine line");
        LogScan.Result result = LogScan.scan(lines, List.of("secret-marker-123"));
        assertThat(result.findings()).extracting(LogScan.Finding::lineNumber).containsExactly(1, 2, 3, 5);
        assertThat(result.serverLines()).isEqualTo(6);
    }

    @Test
    void pekkoAddressesWriterIdsPseudonymsAndTheClientsOwnLinesPass() {
        List<String> lines = List.of(
                HEAD + "Received Journal response: WriteMessageSuccess(PersistentRepr(DeviceSession|s31f3e33ca6e362ee06321d1e26295ea3,4,"
                        + "19d0b855-d913-46f8-a81b-762fa0f67f6c,0,None),1) after: 5 nanos",
                HEAD + "Started entity [Actor[pekko://norc/system/sharding/User/663/nZNY00BvJuGiAbc-_x#-261]] on pekko://norc@localhost:25520",
                "10:00:00.000 DEBUG norc.client.NorcClient - connected as alice@a.example device 6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b",
                "10:00:00.000 INFO  norc.server.it.MessagingIT - alice@a.example");
        LogScan.Result result = LogScan.scan(lines, List.of("secret-marker-123"));
        assertThat(result.findings()).isEmpty();
        assertThat(result.serverLines()).isEqualTo(2);
    }
}
