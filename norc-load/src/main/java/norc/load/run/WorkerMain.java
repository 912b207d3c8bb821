package norc.load.run;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import norc.load.engine.Interval;

/**
 * The entry point of a worker JVM ({@code norc-load worker}, started by the coordinator): reads
 * its {@link WorkerSpec} from standard input, runs it, and speaks {@link WorkerProtocol} on
 * standard output. If standard input closes before the run ends (the coordinator died), the
 * worker exits at once.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static int run() {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String specLine = in.readLine();
            if (specLine == null) {
                out.println(WorkerProtocol.failed("no spec on standard input"));
                return 2;
            }
            WorkerSpec spec = WorkerProtocol.readSpec(specLine);
            CompletableFuture<Long> go = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        var node = WorkerProtocol.JSON.readTree(line);
                        if ("go".equals(node.path("type").asText())) {
                            go.complete(node.path("at").asLong());
                        }
                    }
                } catch (Exception ignored) {
                    // treated as the end of input
                }
                // the coordinator is gone, or finished with us: nothing left to report to
                if (!go.isDone()) {
                    go.completeExceptionally(new IllegalStateException("coordinator gone"));
                }
                Runtime.getRuntime().halt(3);
            }, "norc-load-stdin");
            reader.setDaemon(true);
            reader.start();
            new Worker(spec, new WorkerSink() {
                @Override
                public void ready(SetupSummary setup) {
                    synchronized (out) {
                        out.println(WorkerProtocol.ready(setup));
                    }
                }

                @Override
                public long awaitGo() throws InterruptedException {
                    try {
                        return go.get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("no go from the coordinator", e.getCause());
                    }
                }

                @Override
                public void interval(Interval interval) {
                    String line = WorkerProtocol.interval(interval);
                    synchronized (out) {
                        out.println(line);
                    }
                }

                @Override
                public void done(boolean stoppedByDeadline) {
                    synchronized (out) {
                        out.println(WorkerProtocol.done(stoppedByDeadline));
                    }
                }

                @Override
                public void note(String line) {
                    synchronized (out) {
                        out.println(WorkerProtocol.note(line));
                    }
                }
            }).run();
            return 0;
        } catch (Exception e) {
            synchronized (out) {
                out.println(WorkerProtocol.failed(String.valueOf(e.getMessage())));
            }
            return 1;
        }
    }
}
