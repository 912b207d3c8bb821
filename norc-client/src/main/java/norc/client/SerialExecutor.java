package norc.client;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in submission order, on a backing executor: a single logical thread
 * without a dedicated one. State touched only from tasks of one serial executor needs no lock.
 */
final class SerialExecutor implements Executor {
    private final Executor backing;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor backing) {
        this.backing = backing;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        try {
            backing.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drain(); // the backing executor was shut down after the work ended: finish inline
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // a task's failure must not stop the queue; tasks handle their own errors
            }
        }
    }
}
