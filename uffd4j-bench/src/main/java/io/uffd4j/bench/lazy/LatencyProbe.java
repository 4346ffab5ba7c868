package io.uffd4j.bench.lazy;

import org.HdrHistogram.Histogram;

/** Percentiles of one measured run, in microseconds. */
record LatencyProbe(String handler, int run, long samples, double p50Micros, double p99Micros, double meanMicros, double maxMicros) {
    static LatencyProbe of(String handler, int run, Histogram h) {
        return new LatencyProbe(handler, run, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getMean() / 1e3, h.getMaxValue() / 1e3);
    }
}
