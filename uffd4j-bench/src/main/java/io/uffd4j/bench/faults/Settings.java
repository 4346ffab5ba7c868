package io.uffd4j.bench.faults;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.nio.file.Path;
import java.util.List;

/**
 * What to measure and how much.
 *
 * @param runs          measured runs per configuration
 * @param warmupRuns    Java runs per configuration done first and discarded (JIT); C needs none
 * @param faults        measured faults per run
 * @param warmupFaults  faults at the start of each run that are not recorded
 * @param spinWindowNanos how long spin-then-block spins after the last message (Java and C alike)
 * @param withChecked   also measure GuardedMemory CHECKED (an extra row)
 * @param cacheDir      where the C reference binary is cached, by source hash
 */
public record Settings(int runs, int warmupRuns, int faults, int warmupFaults, long spinWindowNanos,
                       List<Operation> operations, List<Strategy> strategies, boolean withChecked,
                       boolean quick, @JsonSerialize(using = ToStringSerializer.class) Path cacheDir) {
    public Settings {
        if (runs < 1 || warmupRuns < 0 || faults < 1 || warmupFaults < 0 || spinWindowNanos < 0) {
            throw new IllegalArgumentException("need runs >= 1, faults >= 1 and non-negative warm-up and spin window");
        }
        if ((long) faults + warmupFaults > 1L << 20) {
            throw new IllegalArgumentException("at most 1M faults per run (each needs a 4 KiB page)");
        }
        operations = List.copyOf(operations);
        strategies = List.copyOf(strategies);
    }

    /** Pages each run touches: one per fault, warm-up included. */
    int pagesPerRun() {
        return faults + warmupFaults;
    }
}
