package norc.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@code norc-load chat} run against a local cluster, as a process of its own (the shaded
 * {@code norc-load.jar}): devices spread over the given nodes, reconnecting to the others when
 * theirs goes away, and at the end its report with the total-queue check ({@code queue}: every
 * message acknowledged {@code accepted} delivered, nothing unexpected, nothing shown twice).
 */
final class ChatLoad implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path out;
    private final StringBuilder output = new StringBuilder();
    private final CountDownLatch measuring = new CountDownLatch(1);
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private ChatLoad(Process process, Path out) {
        this.process = process;
        this.out = out;
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.startsWith("[")) { // the first per-interval line: the measured phase runs
                        measuring.countDown();
                    }
                }
            } catch (Exception e) {
                // the process ended
            } finally {
                ended.complete(null);
            }
        }, "norc-load-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code pairs} pairs sending {@code perMinute} messages a minute each for {@code duration}. */
    static ChatLoad start(LocalCluster cluster, Path out, int pairs, int perMinute, Duration duration, int... nodes)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-jar", LocalCluster.ROOT.resolve("norc-load").resolve("target").resolve("norc-load.jar").toString(),
                "chat", "-p", Integer.toString(pairs), "--messages-per-minute", Integer.toString(perMinute),
                "--duration", Long.toString(duration.toSeconds()),
                "--trust-cert", cluster.certificate().toString(),
                "--admin", "http://127.0.0.1:" + LocalCluster.adminPort(1),
                "--admin-token-file", cluster.adminTokenFile().toString(),
                "--workers", "1", "--reconnect", "--drain", "40",
                "--out", out.toString()));
        for (int node : nodes) {
            command.add("--server");
            command.add(LocalCluster.endpoint(node));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChatLoad(process, out);
    }

    /** Waits until messages flow (the measured phase started). */
    void awaitMeasuring() throws InterruptedException {
        if (!measuring.await(3, TimeUnit.MINUTES)) {
            throw new IllegalStateException("norc-load did not start chatting:\n" + output());
        }
    }

    /** Waits for the run to end and returns its report. */
    JsonNode report() throws Exception {
        if (!process.waitFor(6, TimeUnit.MINUTES)) {
            throw new IllegalStateException("norc-load did not finish:\n" + output());
        }
        ended.get(10, TimeUnit.SECONDS);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("norc-load failed (" + process.exitValue() + "):\n" + output());
        }
        return JSON.readTree(out.resolve("report.json").toFile());
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
