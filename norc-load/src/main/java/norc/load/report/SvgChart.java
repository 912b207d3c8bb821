package norc.load.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line or bar chart rendered as inline SVG, so that the HTML report needs no script or
 * download: linear axes with round tick values, one polyline per series (gaps where a value is
 * missing), a legend. Bars are for histograms (one bar per bucket, labelled below).
 */
final class SvgChart {
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int WIDTH = 760;
    private static final int HEIGHT = 260;
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 28;
    private static final int BOTTOM = 44;

    record Series(String name, double[] values) {}

    private SvgChart() {}

    /** Lines over x = 0..n-1 (seconds); a {@code NaN} value leaves a gap. */
    static String lines(String title, String xLabel, String yLabel, List<Series> series) {
        int n = series.stream().mapToInt(s -> s.values().length).max().orElse(0);
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        double top = niceCeiling(max);
        double xMax = Math.max(1, n - 1);
        StringBuilder svg = open(title);
        axes(svg, top, yLabel);
        // x ticks
        double xStep = niceStep(xMax / 8);
        for (double x = 0; x <= xMax + 1e-9; x += xStep) {
            double px = LEFT + x / xMax * plotWidth();
            svg.append(String.format(Locale.ROOT,
                    "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>", px, HEIGHT - BOTTOM + 16,
                    number(x)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>",
                LEFT + plotWidth() / 2, HEIGHT - 6, escape(xLabel)));
        for (int i = 0; i < series.size(); i++) {
            String colour = COLOURS[i % COLOURS.length];
            double[] values = series.get(i).values();
            List<String> points = new ArrayList<>();
            for (int x = 0; x < values.length; x++) {
                if (Double.isNaN(values[x])) {
                    flush(svg, points, colour);
                    continue;
                }
                double px = LEFT + x / xMax * plotWidth();
                double py = TOP + plotHeight() - (top == 0 ? 0 : values[x] / top * plotHeight());
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
            }
            flush(svg, points, colour);
        }
        legend(svg, series);
        return svg.append("</svg>").toString();
    }

    /** Bars, one per bucket, labelled with {@code labels} below. */
    static String bars(String title, String yLabel, String[] labels, double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double top = niceCeiling(max);
        StringBuilder svg = open(title);
        axes(svg, top, yLabel);
        int n = Math.max(1, values.length);
        double slot = (double) plotWidth() / n;
        int labelEvery = Math.max(1, (int) Math.ceil(n / 12.0));
        for (int i = 0; i < values.length; i++) {
            double h = top == 0 ? 0 : values[i] / top * plotHeight();
            double x = LEFT + i * slot;
            svg.append(String.format(Locale.ROOT,
                    "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s: %s</title></rect>",
                    x + 1, TOP + plotHeight() - h, Math.max(1, slot - 2), h, COLOURS[0], escape(labels[i]),
                    number(values[i])));
            if (i % labelEvery == 0) {
                svg.append(String.format(Locale.ROOT,
                        "<text x='%.1f' y='%d' font-size='10' text-anchor='middle'>%s</text>", x + slot / 2,
                        HEIGHT - BOTTOM + 14, escape(labels[i])));
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='11' text-anchor='middle'>%s</text>",
                LEFT + plotWidth() / 2, HEIGHT - 6, "upper bound of the bucket (ms)"));
        return svg.append("</svg>").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' role='img'>",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<title>").append(escape(title)).append("</title>");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='16' font-size='13' font-weight='bold'>%s</text>", LEFT,
                escape(title)));
        return svg;
    }

    private static void axes(StringBuilder svg, double top, String yLabel) {
        svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#999'/>",
                LEFT, TOP, plotWidth(), plotHeight()));
        for (int i = 0; i <= 4; i++) {
            double value = top * i / 4;
            double py = TOP + plotHeight() - (double) plotHeight() * i / 4;
            svg.append(String.format(Locale.ROOT,
                    "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>"
                            + "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%s</text>",
                    LEFT, py, LEFT + plotWidth(), py, LEFT - 4, py + 4, number(value)));
        }
        svg.append(String.format(Locale.ROOT,
                "<text x='12' y='%d' font-size='11' text-anchor='middle' transform='rotate(-90 12 %d)'>%s</text>",
                TOP + plotHeight() / 2, TOP + plotHeight() / 2, escape(yLabel)));
    }

    /** Legend entries in one row, right-aligned above the plot, clear of the title on the left. */
    private static void legend(StringBuilder svg, List<Series> series) {
        int[] widths = series.stream().mapToInt(s -> 14 + 7 * s.name().length() + 14).toArray();
        int x = WIDTH - RIGHT - java.util.Arrays.stream(widths).sum();
        for (int i = 0; i < series.size(); i++) {
            svg.append(String.format(Locale.ROOT,
                    "<rect x='%d' y='8' width='10' height='10' fill='%s'/><text x='%d' y='17' font-size='11'>%s</text>",
                    x, COLOURS[i % COLOURS.length], x + 14, escape(series.get(i).name())));
            x += widths[i];
        }
    }

    private static void flush(StringBuilder svg, List<String> points, String colour) {
        if (points.size() == 1) {
            String[] xy = points.get(0).split(",");
            svg.append(String.format(Locale.ROOT, "<circle cx='%s' cy='%s' r='2' fill='%s'/>", xy[0], xy[1], colour));
        } else if (points.size() > 1) {
            svg.append("<polyline fill='none' stroke-width='1.5' stroke='").append(colour).append("' points='")
                    .append(String.join(" ", points)).append("'/>");
        }
        points.clear();
    }

    private static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    private static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    /** The smallest 1, 2 or 5 × 10^k at or above {@code value} (1 for nothing). */
    static double niceCeiling(double value) {
        if (!(value > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double f : new double[] {1, 2, 5, 10}) {
            if (f * magnitude >= value) {
                return f * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static double niceStep(double raw) {
        return Math.max(1, niceCeiling(raw));
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.1f", v);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
                .replace("\"", "&quot;");
    }
}
