package norc.load.cli;

import java.util.concurrent.Callable;
import norc.load.run.WorkerMain;
import picocli.CommandLine.Command;

/** The worker JVM's entry point; started by the coordinator, not by people. */
@Command(name = "worker", hidden = true,
        description = "Run one worker slice (spec on standard input, JSON lines on standard output).")
public final class WorkerCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return WorkerMain.run();
    }
}
