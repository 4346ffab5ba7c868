package io.uffd4j.bench.faults;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * The runs of one configuration (operation x strategy x implementation) and their summary: p50 and
 * p99 as the median across runs with the min/max across runs, and the throughput likewise.
 */
public record Measurement(Operation operation, Strategy strategy, Implementation implementation,
                          List<RunResult> runs, Spread p50, Spread p99, Spread faultsPerSecond,
                          @JsonIgnore Histogram merged) {

    static Measurement of(Operation op, Strategy strategy, Implementation impl, List<RunResult> runs, Histogram merged) {
        return new Measurement(op, strategy, impl, List.copyOf(runs), Spread.of(runs, RunResult::p50),
                Spread.of(runs, RunResult::p99), Spread.of(runs, RunResult::faultsPerSecond), merged);
    }
}
