package norc.load.run;

import java.util.Map;
import norc.load.engine.Interval;

/**
 * Where a worker reports: the coordinator directly (one worker in the coordinator's process) or
 * JSON lines on standard output (a worker JVM, {@link WorkerProtocol}).
 */
public interface WorkerSink {
    /** Setup (provisioning) is over; the worker waits for {@link #awaitGo}. */
    void ready(SetupSummary setup);

    /** Blocks until the coordinator says go; returns the common start time (ms since the epoch). */
    long awaitGo() throws InterruptedException;

    /** One second of measurements. */
    void interval(Interval interval);

    /** The worker has finished and closed every session. */
    void done(boolean stoppedByDeadline);

    /** A line for the person running the tool (never message content or keys). */
    void note(String line);

    /**
     * What provisioning did before the measured phase.
     *
     * @param users users in the slice
     * @param provisioned devices registered (provisioned mode) or users given tokens (storm mode)
     * @param seconds how long it took
     * @param errors failures by label
     */
    record SetupSummary(int users, int provisioned, double seconds, Map<String, Long> errors) {
        public SetupSummary {
            errors = Map.copyOf(errors);
        }
    }
}
