package norc.load.cli;

import java.util.Map;
import norc.load.run.WorkerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc-load storm}: ramp to N authenticated sessions at R/s, hold, optional churn. */
@Command(name = "storm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Ramp to N authenticated sessions at R per second, hold them for T seconds "
                + "(optionally disconnecting and reconnecting C per second), then close them all.")
public final class StormCommand extends RunCommand {
    @Option(names = {"-n", "--sessions"}, required = true, description = "Sessions (devices) to hold")
    int sessions;

    @Option(names = {"-r", "--rate"}, defaultValue = "100", description = "New sessions per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--hold", defaultValue = "30", description = "Seconds to hold after the ramp (default: ${DEFAULT-VALUE})")
    int hold;

    @Option(names = "--churn", defaultValue = "0",
            description = "Disconnects + reconnects per second during the hold (default: ${DEFAULT-VALUE})")
    double churn;

    @Override
    String scenario() {
        return "storm";
    }

    @Override
    int devices() {
        return sessions;
    }

    @Override
    double connectRate() {
        return rate;
    }

    @Override
    int scenarioSeconds() {
        return hold;
    }

    @Override
    boolean reconnectByDefault() {
        return false;
    }

    @Override
    WorkerSpec spec(String runId, String prefix, ServerTargets targets, int bound) {
        if (hold < 0 || churn < 0) {
            throw new IllegalArgumentException("--hold and --churn must not be negative");
        }
        return baseSpec(runId, prefix, targets, bound, hold, churn, 60, 0, 0, 0, 1);
    }

    @Override
    void describe(Map<String, Object> settings) {
        settings.put("hold_seconds", hold);
        settings.put("churn_per_second", churn);
    }
}
