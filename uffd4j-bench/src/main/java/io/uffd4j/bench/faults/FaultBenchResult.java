package io.uffd4j.bench.faults;

import java.util.List;

/** Everything one `bench faults` run measured; written as results.json. */
public record FaultBenchResult(String benchmark, String startedAt, String finishedAt, MachineInfo machine,
                               String loadAverageBefore, String loadAverageAfter, Settings settings,
                               double goalP50Ratio, double goalP99Ratio, boolean goalMet,
                               List<Measurement> measurements, List<Comparison> comparisons) {

    Measurement find(Operation op, Strategy strategy, Implementation impl) {
        for (Measurement m : measurements) {
            if (m.operation() == op && m.strategy() == strategy && m.implementation() == impl) {
                return m;
            }
        }
        return null;
    }
}
