package norc.load.report;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import norc.load.engine.Counter;

/**
 * What the server spent on the work of a run, from its sampled CPU and memory: CPU time per session
 * set up, per churned reconnect and per relayed message, and resident memory per held session. The
 * phases are read off the per-second series:
 * <ul>
 *   <li><b>ramp</b>: from the start to the first second at which the peak number of sessions is
 *       held; its CPU divided by the sessions established in it is the cost of a set-up (TLS, the
 *       NORC handshake, authentication, and the idle cost of the sessions already up);</li>
 *   <li><b>hold</b>: the following seconds while at least 95% of the peak is held and no messages
 *       are sent; with churn, its CPU divided by the reconnects in it is the cost of a close plus a
 *       new set-up; without, its mean CPU is what held, idle sessions cost;</li>
 *   <li><b>messaging</b>: the seconds in which messages were sent; its CPU divided by the messages
 *       the server accepted is the cost of relaying one 1:1 message (acknowledged after it is
 *       durable, delivered to the recipient, and its delivery acknowledged).</li>
 * </ul>
 * Memory per held session is the growth of the server's resident set from the start of the run to
 * the end of the ramp, divided by the sessions held then; for a JVM that includes heap the
 * collector has not yet reclaimed, so it is an upper bound.
 *
 * @param rampSeconds seconds in the ramp (0 when the peak was never held)
 * @param cpuMsPerSetup server CPU per established session in the ramp, ms (NaN when unknown)
 * @param holdCpuPercent mean server CPU during the hold, 100 = one core (NaN when no hold)
 * @param cpuMsPerChurnReconnect server CPU per churned reconnect in the hold, ms (NaN when no churn)
 * @param cpuUsPerMessage server CPU per accepted message while messaging, µs (NaN when none)
 * @param rssMbAtStart resident memory when the measured phase began (NaN when unknown)
 * @param rssMbHeld resident memory at the end of the ramp (NaN when unknown)
 * @param rssKbPerHeldSession growth of the resident set per session held at the end of the ramp
 */
public record ServerCost(int rampSeconds, long sessionsAtRampEnd, double cpuMsPerSetup, double holdCpuPercent,
                         double cpuMsPerChurnReconnect, double cpuUsPerMessage, double rssMbAtStart,
                         double rssMbHeld, double rssKbPerHeldSession) {

    /** The cost of {@code r}'s work, or empty when the server was not sampled. */
    public static Optional<ServerCost> of(RunResult r) {
        if (r.server().isEmpty()) {
            return Optional.empty();
        }
        Map<Integer, ServerSample> bySecond = new HashMap<>();
        r.server().forEach(s -> bySecond.put(s.second(), s));
        List<RunAggregator.Second> seconds = r.aggregate().seconds();
        long peak = r.peakHeld();

        int rampEnd = -1;
        long establishedInRamp = 0;
        long heldAtRampEnd = 0;
        for (RunAggregator.Second s : seconds) {
            establishedInRamp += s.count(Counter.SESSIONS_ESTABLISHED);
            if (s.held() >= peak && peak > 0) {
                rampEnd = s.second();
                heldAtRampEnd = s.held();
                break;
            }
        }
        double rampCpu = cpuSeconds(bySecond, 0, rampEnd);
        double cpuMsPerSetup = rampEnd >= 0 && establishedInRamp > 0 && !Double.isNaN(rampCpu)
                ? rampCpu * 1000.0 / establishedInRamp : Double.NaN;

        double holdCpu = 0;
        int holdSamples = 0;
        long reconnects = 0;
        double messagingCpu = 0;
        long accepted = 0;
        for (RunAggregator.Second s : seconds) {
            ServerSample sample = bySecond.get(s.second());
            boolean messaging = s.count(Counter.MESSAGES_SENT) > 0;
            if (messaging) {
                accepted += s.count(Counter.MESSAGES_ACCEPTED);
                if (sample != null) {
                    messagingCpu += sample.cpuPercent() / 100.0;
                }
            } else if (s.second() > rampEnd && rampEnd >= 0 && s.held() >= 0.95 * peak && sample != null) {
                holdCpu += sample.cpuPercent() / 100.0;
                holdSamples++;
                reconnects += s.count(Counter.CHURN_DISCONNECTS);
            }
        }
        double holdCpuPercent = holdSamples > 0 ? holdCpu / holdSamples * 100.0 : Double.NaN;
        double cpuMsPerChurn = reconnects > 0 ? holdCpu * 1000.0 / reconnects : Double.NaN;
        double cpuUsPerMessage = accepted > 0 ? messagingCpu * 1e6 / accepted : Double.NaN;

        double rssStart = r.serverRssAtStartBytes() > 0 ? r.serverRssAtStartBytes() / 1048576.0 : Double.NaN;
        ServerSample atRampEnd = bySecond.get(rampEnd);
        double rssHeld = atRampEnd == null ? Double.NaN : atRampEnd.rssBytes() / 1048576.0;
        double kbPerSession = heldAtRampEnd > 0 ? (rssHeld - rssStart) * 1024.0 / heldAtRampEnd : Double.NaN;
        return Optional.of(new ServerCost(rampEnd + 1, heldAtRampEnd, cpuMsPerSetup, holdCpuPercent,
                cpuMsPerChurn, cpuUsPerMessage, rssStart, rssHeld, kbPerSession));
    }

    /** CPU seconds over [from, to], NaN when a second in it has no sample. */
    private static double cpuSeconds(Map<Integer, ServerSample> bySecond, int from, int to) {
        if (to < from) {
            return Double.NaN;
        }
        double sum = 0;
        for (int s = from; s <= to; s++) {
            ServerSample sample = bySecond.get(s);
            if (sample == null) {
                return Double.NaN;
            }
            sum += sample.cpuPercent() / 100.0;
        }
        return sum;
    }

    /** The figures as JSON-friendly values; unknown ones are left out. */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("ramp_seconds", rampSeconds);
        out.put("sessions_at_ramp_end", sessionsAtRampEnd);
        put(out, "cpu_ms_per_session_setup", cpuMsPerSetup);
        put(out, "hold_cpu_percent_mean", holdCpuPercent);
        put(out, "cpu_ms_per_churn_reconnect", cpuMsPerChurnReconnect);
        put(out, "cpu_us_per_message", cpuUsPerMessage);
        put(out, "rss_mb_at_start", rssMbAtStart);
        put(out, "rss_mb_at_ramp_end", rssMbHeld);
        put(out, "rss_kb_per_held_session", rssKbPerHeldSession);
        return out;
    }

    private static void put(Map<String, Object> out, String key, double value) {
        if (!Double.isNaN(value)) {
            out.put(key, RunResult.round(value));
        }
    }
}
