package norc.load.report;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Samples the server's CPU and memory once per second: from {@code /proc/<pid>/stat} (utime +
 * stime, in clock ticks) and {@code /proc/<pid>/status} ({@code VmRSS}) when the server runs on this
 * machine, or from its Prometheus metrics endpoint ({@code process_cpu_seconds_total},
 * {@code process_resident_memory_bytes}); or several local processes added up ({@link #sum}).
 */
public abstract class ServerSampler {
    /** Linux's USER_HZ; the kernel reports CPU times in these ticks on every common platform. */
    static final double CLOCK_TICKS_PER_SECOND = 100.0;

    private double lastCpuSeconds = Double.NaN;
    private long lastNanos;
    private volatile long firstRssBytes;

    /** CPU seconds used so far and resident bytes, or null when unavailable. */
    protected abstract double[] read() throws IOException, InterruptedException;

    /** A sample for {@code second}, or null (first call: no CPU rate yet, or the read failed). */
    public ServerSample sample(int second) {
        double[] now;
        try {
            now = read();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (now == null) {
            return null;
        }
        long nanos = System.nanoTime();
        if (firstRssBytes == 0) {
            firstRssBytes = (long) now[1];
        }
        ServerSample sample = null;
        if (!Double.isNaN(lastCpuSeconds) && nanos > lastNanos) {
            double cpu = (now[0] - lastCpuSeconds) / ((nanos - lastNanos) / 1e9) * 100.0;
            sample = new ServerSample(second, Math.max(0, cpu), (long) now[1]);
        }
        lastCpuSeconds = now[0];
        lastNanos = nanos;
        return sample;
    }

    /** Resident bytes at the first successful read (0 before it). */
    public long firstRssBytes() {
        return firstRssBytes;
    }

    public static ServerSampler ofPid(long pid) {
        return new ServerSampler() {
            @Override
            protected double[] read() throws IOException {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
                return new double[] {cpuSecondsFromStat(stat), rssBytesFromStatus(status)};
            }
        };
    }

    /**
     * Several processes as one (e.g. the two servers of a federated run): their CPU seconds and
     * resident bytes added up, so a rate over the sum is the CPU all of them spent. A second in
     * which any of them cannot be read has no sample, rather than a dip.
     */
    public static ServerSampler sum(List<ServerSampler> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("nothing to sample");
        }
        if (sources.size() == 1) {
            return sources.get(0);
        }
        List<ServerSampler> all = List.copyOf(sources);
        return new ServerSampler() {
            @Override
            protected double[] read() throws IOException, InterruptedException {
                double cpuSeconds = 0;
                double rssBytes = 0;
                for (ServerSampler source : all) {
                    double[] one = source.read();
                    if (one == null) {
                        return null;
                    }
                    cpuSeconds += one[0];
                    rssBytes += one[1];
                }
                return new double[] {cpuSeconds, rssBytes};
            }
        };
    }

    public static ServerSampler ofMetrics(URI endpoint) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return new ServerSampler() {
            @Override
            protected double[] read() throws IOException, InterruptedException {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return null;
                }
                OptionalDouble cpu = prometheusValue(response.body(), "process_cpu_seconds_total");
                OptionalDouble rss = prometheusValue(response.body(), "process_resident_memory_bytes");
                if (cpu.isEmpty()) {
                    return null;
                }
                return new double[] {cpu.getAsDouble(), rss.orElse(0)};
            }
        };
    }

    /** utime + stime (fields 14 and 15) in seconds; the command name may hold spaces and parentheses. */
    public static double cpuSecondsFromStat(String stat) {
        String afterName = stat.substring(stat.lastIndexOf(')') + 2);
        String[] fields = afterName.trim().split("\\s+");
        // afterName starts at field 3 (state)
        long utime = Long.parseLong(fields[14 - 3]);
        long stime = Long.parseLong(fields[15 - 3]);
        return (utime + stime) / CLOCK_TICKS_PER_SECOND;
    }

    /** {@code VmRSS: <n> kB} in bytes. */
    static long rssBytesFromStatus(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return 0;
    }

    /** The value of an unlabelled sample in Prometheus text format. */
    static OptionalDouble prometheusValue(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                String[] parts = line.trim().split("\\s+");
                try {
                    return OptionalDouble.of(Double.parseDouble(parts[parts.length == 3 ? 1 : parts.length - 1]));
                } catch (NumberFormatException e) {
                    return OptionalDouble.empty();
                }
            }
        }
        return OptionalDouble.empty();
    }
}
