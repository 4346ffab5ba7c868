package io.uffd4j.serve;

import org.HdrHistogram.Histogram;

/** Percentiles of a latency histogram, in nanoseconds. */
public record LatencySummary(long count, long p50, long p90, long p99, long p999, long max, double mean) {
    static LatencySummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
    }

    @Override
    public String toString() {
        return String.format("n=%d p50=%.1fus p90=%.1fus p99=%.1fus p99.9=%.1fus max=%.1fus",
                count, p50 / 1e3, p90 / 1e3, p99 / 1e3, p999 / 1e3, max / 1e3);
    }
}
