package dev.leasehold.samples.bench;

import java.util.Arrays;
import java.util.Collection;

/** Nearest-rank percentiles of a few samples, in milliseconds. */
public final class Stats {

    private final double[] sorted;

    public Stats(Collection<Double> samples) {
        this.sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    public boolean isEmpty() {
        return sorted.length == 0;
    }

    public int count() {
        return sorted.length;
    }

    /** The smallest sample such that at least {@code p} percent of the samples are at or below it. */
    public double percentile(double p) {
        if (sorted.length == 0) {
            throw new IllegalStateException("no samples");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public double max() {
        return percentile(100);
    }

    /** Milliseconds with one decimal. */
    static String ms(double millis) {
        return String.format(java.util.Locale.ROOT, "%.1f", millis);
    }

    @Override
    public String toString() {
        return Arrays.stream(sorted).mapToObj(Stats::ms).collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }
}
