package norc.load.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The open-file limit of this process and what it allows. Every session holds one socket, and the
 * JVM, its jars and the event loops need some more; on these machines the limit is 20,000 and
 * cannot be raised, so one process holds just under 20,000 sessions and a bigger run needs more
 * worker processes.
 */
public final class FileLimit {
    /** Files kept free for the JVM, jars, epoll/pipes, reports and the admin HTTP client. */
    public static final int RESERVE = 300;

    private FileLimit() {}

    /** The soft limit from {@code /proc/self/limits} ("Max open files"), if readable. */
    public static OptionalLong current() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The soft limit in the text of a {@code /proc/<pid>/limits} file. */
    static OptionalLong parse(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("Max open files")) {
                String[] fields = line.substring("Max open files".length()).strip().split("\\s+");
                if (fields.length > 0 && !fields[0].equals("unlimited")) {
                    return OptionalLong.of(Long.parseLong(fields[0]));
                }
                return OptionalLong.of(Long.MAX_VALUE);
            }
        }
        return OptionalLong.empty();
    }

    /** Sessions one process may hold under {@code limit}. */
    public static long sessionsAllowed(long limit) {
        return Math.max(0, limit - RESERVE);
    }

    /** Worker processes needed for {@code sessions} under {@code limit}. */
    public static int workersNeeded(long sessions, long limit) {
        long perWorker = sessionsAllowed(limit);
        if (perWorker <= 0) {
            throw new IllegalStateException(message(sessions, limit, 1));
        }
        return (int) Math.max(1, (sessions + perWorker - 1) / perWorker);
    }

    /**
     * Fails with a message a person can act on when {@code sessions} in one process would not fit
     * under {@code limit}.
     */
    public static void check(long sessions, long limit, int workers) {
        if (sessions > sessionsAllowed(limit)) {
            throw new IllegalStateException(message(sessions, limit, workers));
        }
    }

    private static String message(long sessions, long limit, int workers) {
        long perWorker = sessionsAllowed(limit);
        String advice = perWorker <= 0 ? "raise the limit above " + RESERVE
                : "use --workers " + Math.max(workers + 1, (sessions * workers + perWorker - 1) / perWorker)
                + " or more (each worker process holds at most " + perWorker + " sessions)";
        return "this process may hold at most " + limit + " open files (ulimit -n), and " + sessions
                + " sessions need " + (sessions + RESERVE) + "; " + advice;
    }
}
