package norc.load.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import norc.load.engine.Counter;
import norc.load.engine.Metric;

/**
 * The self-contained HTML report: the summary table, then inline SVG plots of sessions held and
 * rates over time, latency percentiles over time, one latency histogram per measured latency, and
 * the server's CPU and memory when they were sampled. No script, no external resource.
 */
final class HtmlReport {
    private HtmlReport() {}

    static String render(RunResult r) {
        List<Map<String, Object>> rows = r.series();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>norc-load ")
                .append(SvgChart.escape(r.scenario())).append(" report</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}")
                .append("td:first-child,th:first-child{text-align:left}pre{background:#f8f8f8;padding:8px}")
                .append("svg{display:block;margin:12px 0}</style></head><body>");
        html.append("<h1>norc-load: ").append(SvgChart.escape(r.scenario())).append("</h1>");
        html.append("<pre>").append(SvgChart.escape(ReportWriter.summary(r))).append("</pre>");

        html.append("<h2>Latency (ms)</h2><table><tr><th>latency</th><th>count</th><th>min</th><th>mean</th>")
                .append("<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        r.latencies().forEach((m, s) -> html.append(String.format(Locale.ROOT,
                "<tr><td>%s</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                        + "<td>%.3f</td><td>%.3f</td></tr>",
                m.label(), s.count(), s.minMs(), s.meanMs(), s.p50Ms(), s.p90Ms(), s.p99Ms(), s.p999Ms(), s.maxMs())));
        html.append("</table>");

        Map<String, Long> errors = new TreeMap<>(r.aggregate().errorTotals());
        if (!errors.isEmpty()) {
            html.append("<h2>Errors</h2><table><tr><th>label</th><th>count</th></tr>");
            errors.forEach((label, n) -> html.append("<tr><td>").append(SvgChart.escape(label)).append("</td><td>")
                    .append(n).append("</td></tr>"));
            html.append("</table>");
        }

        html.append("<h2>Over time</h2>");
        html.append(SvgChart.lines("Sessions held", "seconds", "sessions",
                List.of(new SvgChart.Series("held", column(rows, "sessions_held")))));
        List<SvgChart.Series> rates = new java.util.ArrayList<>(List.of(
                new SvgChart.Series("established", column(rows, Counter.SESSIONS_ESTABLISHED.label())),
                new SvgChart.Series("failed", column(rows, Counter.SESSIONS_FAILED.label())),
                new SvgChart.Series("lost", column(rows, Counter.SESSIONS_LOST.label())),
                new SvgChart.Series("errors", column(rows, "errors"))));
        if (r.aggregate().total(Counter.CONNECTIONS_LOST) > 0 || r.aggregate().total(Counter.RECONNECTS) > 0) {
            rates.add(new SvgChart.Series("connections lost", column(rows, Counter.CONNECTIONS_LOST.label())));
            rates.add(new SvgChart.Series("reconnects", column(rows, Counter.RECONNECTS.label())));
        }
        html.append(SvgChart.lines("Rates per second", "seconds", "per second", rates));
        if (r.aggregate().total(Counter.MESSAGES_SENT) > 0) {
            html.append(SvgChart.lines("Messages per second", "seconds", "messages", List.of(
                    new SvgChart.Series("sent", column(rows, Counter.MESSAGES_SENT.label())),
                    new SvgChart.Series("accepted", column(rows, Counter.MESSAGES_ACCEPTED.label())),
                    new SvgChart.Series("received", column(rows, Counter.MESSAGES_RECEIVED.label())),
                    new SvgChart.Series("failed", column(rows, Counter.MESSAGES_FAILED.label())))));
        }
        for (Metric m : r.measuredMetrics()) {
            html.append(SvgChart.lines(m.label() + " latency per second", "seconds", "ms", List.of(
                    new SvgChart.Series("p50", column(rows, m.label() + "_p50_ms")),
                    new SvgChart.Series("p99", column(rows, m.label() + "_p99_ms")))));
        }
        if (!r.server().isEmpty()) {
            html.append(SvgChart.lines("Server CPU", "seconds", "% of one core",
                    List.of(new SvgChart.Series("cpu", column(rows, "server_cpu_percent")))));
            html.append(SvgChart.lines("Server resident memory", "seconds", "MiB",
                    List.of(new SvgChart.Series("rss", column(rows, "server_rss_mb")))));
        }

        html.append("<h2>Latency histograms</h2>");
        for (Metric m : r.measuredMetrics()) {
            List<double[]> buckets = r.buckets(m);
            String[] labels = new String[buckets.size()];
            double[] counts = new double[buckets.size()];
            for (int i = 0; i < buckets.size(); i++) {
                double upper = buckets.get(i)[0];
                labels[i] = upper < 1 ? String.format(Locale.ROOT, "%.3f", upper)
                        : String.format(Locale.ROOT, "%.0f", upper);
                counts[i] = buckets.get(i)[1];
            }
            html.append(SvgChart.bars(m.label() + " (count per log2 bucket)", "samples", labels, counts));
        }
        html.append("<p>Series: <code>series.csv</code>; everything: <code>report.json</code>; ")
                .append("percentile distributions: <code>&lt;latency&gt;.hgrm</code>.</p></body></html>\n");
        return html.toString();
    }

    private static double[] column(List<Map<String, Object>> rows, String name) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Object v = row.get(name);
            values.add(v instanceof Number n ? n.doubleValue() : Double.NaN);
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
