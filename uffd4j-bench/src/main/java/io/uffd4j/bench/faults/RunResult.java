package io.uffd4j.bench.faults;

import org.HdrHistogram.Histogram;

/**
 * One measured run: its per-fault latency distribution (nanoseconds) and its throughput. Built by the
 * same code for the Java and the C side ({@link #of}).
 *
 * @param faults       faults measured (warm-up excluded)
 * @param elapsedNanos wall time of the measured faults
 * @param mismatches   pages whose contents were wrong after the run (must be 0)
 * @param faultsPerSecond faults / elapsed
 */
public record RunResult(long faults, long elapsedNanos, long mismatches, double faultsPerSecond,
                        long p50, long p90, long p99, long p999, long max, double mean) {

    /** Statistics of {@code latencies[0, count)}; {@code into} receives the values too (merged histograms). */
    static RunResult of(long[] latencies, int count, long elapsedNanos, long mismatches, Histogram into) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < count; i++) {
            h.recordValue(Math.max(0, latencies[i]));
        }
        if (into != null) {
            into.add(h);
        }
        return new RunResult(count, elapsedNanos, mismatches, count * 1e9 / Math.max(1, elapsedNanos),
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
    }
}
