package norc.load.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.DataFormatException;
import norc.load.engine.Counter;
import norc.load.engine.Interval;
import norc.load.engine.Metric;
import org.HdrHistogram.Histogram;

/**
 * The line protocol between the coordinator and a worker JVM, one JSON object per line.
 *
 * <pre>
 * coordinator → worker (stdin):  the WorkerSpec;  then {"type":"go","at":&lt;epoch ms&gt;}
 * worker → coordinator (stdout): {"type":"ready","setup":{...}}
 *                                {"type":"interval","second":n,"counters":{..},"held":n,"errors":{..},
 *                                 "latencies":{"authentication":"&lt;compressed HdrHistogram, base64&gt;",..}}
 *                                {"type":"note","text":"..."}   {"type":"done","deadline":false}
 *                                {"type":"failed","text":"..."}
 * </pre>
 *
 * The worker stops when its standard input closes (the coordinator is gone). Histograms travel
 * in HdrHistogram's compressed encoding, so merging is exact.
 */
public final class WorkerProtocol {
    static final ObjectMapper JSON = new ObjectMapper();

    private WorkerProtocol() {}

    public static String spec(WorkerSpec spec) {
        return write(JSON.valueToTree(spec));
    }

    public static WorkerSpec readSpec(String line) throws java.io.IOException {
        return JSON.readValue(line, WorkerSpec.class);
    }

    public static String go(long atEpochMillis) {
        return write(JSON.createObjectNode().put("type", "go").put("at", atEpochMillis));
    }

    public static String ready(WorkerSink.SetupSummary setup) {
        ObjectNode node = JSON.createObjectNode().put("type", "ready");
        node.set("setup", JSON.valueToTree(setup));
        return write(node);
    }

    public static String note(String text) {
        return write(JSON.createObjectNode().put("type", "note").put("text", text));
    }

    public static String failed(String text) {
        return write(JSON.createObjectNode().put("type", "failed").put("text", text));
    }

    public static String done(boolean stoppedByDeadline) {
        return write(JSON.createObjectNode().put("type", "done").put("deadline", stoppedByDeadline));
    }

    public static String interval(Interval interval) {
        ObjectNode node = JSON.createObjectNode().put("type", "interval").put("second", interval.second());
        ObjectNode counters = node.putObject("counters");
        interval.counters().forEach((c, n) -> counters.put(c.label(), n));
        node.put("held", interval.sessionsHeld());
        ObjectNode errors = node.putObject("errors");
        interval.errors().forEach(errors::put);
        ObjectNode latencies = node.putObject("latencies");
        interval.latencies().forEach((m, h) -> latencies.put(m.label(), encode(h)));
        return write(node);
    }

    public static Interval readInterval(JsonNode node) {
        Map<Counter, Long> counters = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            JsonNode n = node.path("counters").get(c.label());
            if (n != null) {
                counters.put(c, n.asLong());
            }
        }
        Map<String, Long> errors = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("errors").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            errors.put(e.getKey(), e.getValue().asLong());
        }
        Map<Metric, Histogram> latencies = new EnumMap<>(Metric.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("latencies").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            latencies.put(Metric.ofLabel(e.getKey()), decode(e.getValue().asText()));
        }
        return new Interval(node.path("second").asInt(), counters, node.path("held").asLong(), errors, latencies);
    }

    public static WorkerSink.SetupSummary readSetup(JsonNode node) {
        return JSON.convertValue(node, WorkerSink.SetupSummary.class);
    }

    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("a worker sent an unreadable histogram", e);
        }
    }

    private static String write(JsonNode node) {
        return node.toString();
    }
}
