package norc.load.cli;

import java.util.Map;
import norc.load.run.WorkerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc-load chat}: pairs of devices exchanging 1:1 end-to-end messages at a set rate. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Connect P pairs of devices, then have each device send end-to-end encrypted messages "
                + "to its partner at a set rate for T seconds; measures end-to-end and ack latency. With "
                + "--federated, the partners live on different federated servers, so every message crosses the "
                + "federation.")
public final class ChatCommand extends RunCommand {
    @Option(names = {"-p", "--pairs"}, required = true, description = "Pairs of devices (2 sessions each)")
    int pairs;

    @Option(names = {"-r", "--rate"}, defaultValue = "100", description = "New sessions per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--messages-per-minute", defaultValue = "60",
            description = "Per device; the spec's limit is 60 (default: ${DEFAULT-VALUE})")
    double messagesPerMinute;

    @Option(names = "--burst", defaultValue = "0",
            description = "Messages each device sends back to back at the start; the spec allows bursts of 120 "
                    + "(default: ${DEFAULT-VALUE})")
    int burst;

    @Option(names = "--message-bytes", defaultValue = "64", description = "Characters of text per message (default: ${DEFAULT-VALUE})")
    int messageBytes;

    @Option(names = {"-t", "--duration"}, defaultValue = "30", description = "Seconds of sending (default: ${DEFAULT-VALUE})")
    int duration;

    @Option(names = "--max-in-flight", defaultValue = "8",
            description = "Unanswered messages per device before sends are skipped (default: ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--drain", defaultValue = "30s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "After sending, wait at most this long for every send to be answered and every accepted "
                    + "message to arrive; what has not arrived then counts as lost (default: ${DEFAULT-VALUE})")
    java.time.Duration drain;

    @Override
    String scenario() {
        return "chat";
    }

    @Override
    int devices() {
        return pairs * 2;
    }

    @Override
    double connectRate() {
        return rate;
    }

    @Override
    int scenarioSeconds() {
        return duration + (int) Math.ceil(drain.toMillis() / 1000.0);
    }

    @Override
    boolean reconnectByDefault() {
        return true;
    }

    @Override
    long drainMillis() {
        return drain.toMillis();
    }

    @Override
    WorkerSpec spec(String runId, String prefix, ServerTargets targets, int bound) {
        if (!(messagesPerMinute > 0) || burst < 0 || messageBytes < 0 || duration < 0 || maxInFlight <= 0) {
            throw new IllegalArgumentException("chat rates, sizes and durations must be positive");
        }
        return baseSpec(runId, prefix, targets, bound, 0, 0, messagesPerMinute, burst, messageBytes, duration,
                Math.max(maxInFlight, burst + 1));
    }

    @Override
    void describe(Map<String, Object> settings) {
        settings.put("pairs", pairs);
        settings.put("messages_per_minute_per_device", messagesPerMinute);
        settings.put("burst", burst);
        settings.put("message_bytes", messageBytes);
        settings.put("chat_seconds", duration);
        settings.put("drain_seconds", drain.toMillis() / 1000.0);
    }
}
