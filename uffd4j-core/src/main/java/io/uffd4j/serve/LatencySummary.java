package io.uffd4j.serve;

import org.HdrHistogram.Histogram;

import java.util.function.DoubleToLongFunction;

/** Percentiles of a latency histogram, in nanoseconds. */
public record LatencySummary(long count, long p50, long p90, long p99, long p999, long max, double mean) {
    static LatencySummary of(Histogram h) {
        return of(h.getTotalCount(), h::getValueAtPercentile, h.getMaxValue(), h.getMean());
    }

    /**
     * The summary of any recorded distribution (an HdrHistogram's {@code getValueAtPercentile}, for
     * example), without naming the recorder's type in this API; all zeros when {@code count} is 0.
     */
    public static LatencySummary of(long count, DoubleToLongFunction valueAtPercentile, long max, double mean) {
        if (count == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(count, valueAtPercentile.applyAsLong(50), valueAtPercentile.applyAsLong(90),
                valueAtPercentile.applyAsLong(99), valueAtPercentile.applyAsLong(99.9), max, mean);
    }

    @Override
    public String toString() {
        return String.format("n=%d p50=%.1fus p90=%.1fus p99=%.1fus p99.9=%.1fus max=%.1fus",
                count, p50 / 1e3, p90 / 1e3, p99 / 1e3, p999 / 1e3, max / 1e3);
    }
}
