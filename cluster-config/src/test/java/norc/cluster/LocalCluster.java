package norc.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real cluster of server JVMs on this machine, driven through {@code cluster-config/local-cluster.sh}
 * exactly as an operator drives it; each instance has its own data directory and its own
 * PostgreSQL database, so runs do not see each other's journals.
 */
final class LocalCluster implements AutoCloseable {
    static final Path ROOT = Path.of(System.getenv().getOrDefault("NORC_ROOT", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final String database;
    private final Map<String, String> env = new HashMap<>();

    /** {@code config}: CONFIG_FORCE_... settings passed to every node. */
    LocalCluster(Path dir, Map<String, String> config) {
        this.dir = dir;
        this.database = "norc_it_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        env.put("LOCAL_CLUSTER_DIR", dir.toString());
        env.put("LOCAL_CLUSTER_DB", database);
        env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("LOCAL_CLUSTER_JAVA_OPTS", "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        // chat offers more than the spec's 60 messages a minute per device, from one address
        env.put("CONFIG_FORCE_norc_limits_messages__per__minute", "100000");
        env.put("CONFIG_FORCE_norc_limits_message__burst", "100000");
        env.put("CONFIG_FORCE_norc_client_max__connections__per__source", "0");
        env.put("CONFIG_FORCE_norc_client_new__connections__per__source__per__minute", "0");
        env.putAll(config);
    }

    static int clientPort(int node) {
        return 8443 + 10 * (node - 1);
    }

    static int adminPort(int node) {
        return 8080 + 10 * (node - 1);
    }

    static int managementPort(int node) {
        return 8558 + 10 * (node - 1);
    }

    static String endpoint(int node) {
        return "wss://127.0.0.1:" + clientPort(node) + "/norc-c";
    }

    Path certificate() {
        return dir.resolve("node1").resolve("tls").resolve("server-cert.pem");
    }

    /** The admin API's bearer token file, which every node shares (local-cluster.sh). */
    Path adminTokenFile() {
        return dir.resolve("node1").resolve("admin").resolve("token");
    }

    Path log(int node) {
        return dir.resolve("node" + node).resolve("server.log");
    }

    /** The sum over {@code nodes} of one Prometheus sample (e.g. {@code norc_messages_refused_total{code="9002"}}). */
    static double metric(String sample, int... nodes) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        double sum = 0;
        for (int node : nodes) {
            String text = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + adminPort(node) + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith(sample + " ")) {
                    sum += Double.parseDouble(line.substring(sample.length() + 1).trim());
                }
            }
        }
        return sum;
    }

    String up(int nodes) throws Exception {
        return run("up", Integer.toString(nodes));
    }

    String kill(int node) throws Exception {
        return run("kill", Integer.toString(node));
    }

    String stop(int node) throws Exception {
        return run("stop", Integer.toString(node));
    }

    String start(int node) throws Exception {
        return run("start", Integer.toString(node));
    }

    JsonNode status() throws Exception {
        return JSON.readTree(run("status"));
    }

    /** The members the given node's management endpoint lists as Up. */
    List<String> upMembers() throws Exception {
        List<String> up = new ArrayList<>();
        JsonNode members = status().path("members").path("members");
        for (JsonNode member : members) {
            if ("Up".equals(member.path("status").asText())) {
                up.add(member.path("node").asText());
            }
        }
        return up;
    }

    String run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("cluster-config").resolve("local-cluster.sh").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " failed:\n"
                    + new String(out, StandardCharsets.UTF_8) + tailOfLogs());
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private String tailOfLogs() throws IOException {
        StringBuilder tail = new StringBuilder();
        for (int node = 1; node <= 6; node++) {
            Path log = log(node);
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                tail.append("\n--- node ").append(node).append(" (last lines) ---\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
        }
        return tail.toString();
    }

    /** Stops every node (and PostgreSQL if the script started it), then drops this cluster's database. */
    @Override
    public void close() throws Exception {
        run("down");
    }
}
