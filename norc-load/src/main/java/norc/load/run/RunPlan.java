package norc.load.run;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import norc.load.engine.SourceAddresses;

/**
 * Splits a run over worker processes: contiguous user slices as even as possible (pairs never
 * split in {@code chat}), each worker's share of the rates in proportion to its users, and the
 * source addresses dealt so that workers use different ones when there are enough.
 */
public final class RunPlan {
    private RunPlan() {}

    public static List<WorkerSpec> slices(WorkerSpec whole, int workers, List<InetAddress> sourceAddresses) {
        if (workers <= 0) {
            throw new IllegalArgumentException("at least one worker");
        }
        int unit = whole.scenario().equals("chat") ? 2 : 1;
        if (whole.users() % unit != 0) {
            throw new IllegalArgumentException("chat needs an even number of devices (pairs)");
        }
        int units = whole.users() / unit;
        if (units < workers) {
            throw new IllegalArgumentException(workers + " workers for " + whole.users() + " sessions: use fewer workers");
        }
        List<List<InetAddress>> dealt = SourceAddresses.deal(sourceAddresses, workers);
        List<WorkerSpec> out = new ArrayList<>();
        int next = whole.firstUser();
        for (int w = 0; w < workers; w++) {
            int myUnits = units / workers + (w < units % workers ? 1 : 0);
            int count = myUnits * unit;
            double share = (double) count / whole.users();
            List<String> addresses = dealt.get(w).stream().map(InetAddress::getHostAddress).toList();
            out.add(whole.slice(w, next, count, whole.connectPerSecond() * share, whole.churnPerSecond() * share,
                    whole.dropPerSecond() * share, addresses));
            next += count;
        }
        return out;
    }
}
