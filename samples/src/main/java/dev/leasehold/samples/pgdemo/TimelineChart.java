package dev.leasehold.samples.pgdemo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A timeline chart (PNG, drawn by XChart): acknowledged writes per member per half second, with vertical lines for
 * the marked moments (kill, lease expiry, promotion, switchover...). Used by the demo and the pg benchmark.
 */
public final class TimelineChart {
    private static final double BIN_SECONDS = 0.5;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // a chart file, no window: works without a display
        }
    }

    /** One acknowledged write: the member that acknowledged it and when (System.nanoTime()). */
    public record Ack(String member, long ackedNanos) {
    }

    /** A marked moment. */
    public record Marker(String label, long nanos) {
    }

    private TimelineChart() {
    }

    /**
     * Writes the chart to {@code png} (".png" is added when missing).
     *
     * @param startNanos the instant of x = 0
     */
    public static Path write(Path png, String title, long startNanos, List<Ack> acks, List<Marker> markers) {
        double end = acks.stream().mapToDouble(a -> seconds(a.ackedNanos(), startNanos)).max().orElse(1);
        end = Math.max(end, markers.stream().mapToDouble(m -> seconds(m.nanos(), startNanos)).max().orElse(1));
        int bins = (int) Math.ceil(end / BIN_SECONDS) + 1;
        Map<String, double[]> perMember = new TreeMap<>();
        for (Ack a : acks) {
            int bin = (int) Math.max(0, seconds(a.ackedNanos(), startNanos) / BIN_SECONDS);
            perMember.computeIfAbsent(a.member(), m -> new double[bins])[Math.min(bin, bins - 1)] += 1 / BIN_SECONDS;
        }
        XYChart chart = new XYChartBuilder().width(1000).height(500).title(title)
                .xAxisTitle("seconds").yAxisTitle("acknowledged writes per second").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(0);
        double[] x = new double[bins];
        for (int i = 0; i < bins; i++) {
            x[i] = i * BIN_SECONDS;
        }
        double top = 1;
        for (Map.Entry<String, double[]> e : perMember.entrySet()) {
            chart.addSeries("writes on " + e.getKey(), x, e.getValue()).setMarker(SeriesMarkers.NONE);
            for (double v : e.getValue()) {
                top = Math.max(top, v);
            }
        }
        if (perMember.isEmpty()) {
            chart.addSeries("no acknowledged writes", new double[] {0, end}, new double[] {0, 0});
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Marker m : markers) {
            double at = seconds(m.nanos(), startNanos);
            String name = String.format(java.util.Locale.ROOT, "%s (%.1f s)", m.label(), at);
            while (!names.add(name)) {
                name += "'";
            }
            XYSeries s = chart.addSeries(name, new double[] {at, at}, new double[] {0, top * 1.05});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
        }
        Path file = png.toString().endsWith(".png") ? png : Path.of(png + ".png");
        String base = file.toString().substring(0, file.toString().length() - ".png".length());
        try {
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + file, e);
        }
        return file.toAbsolutePath();
    }

    private static double seconds(long nanos, long startNanos) {
        return (nanos - startNanos) / 1e9;
    }
}
