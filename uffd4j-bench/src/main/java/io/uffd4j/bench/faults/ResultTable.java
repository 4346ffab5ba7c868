package io.uffd4j.bench.faults;

import java.io.PrintStream;
import java.util.Locale;

/** The human-readable summary: every configuration, then the Java/C ratios against the goal. */
final class ResultTable {
    private ResultTable() {}

    static void print(FaultBenchResult r, PrintStream out) {
        Settings s = r.settings();
        out.printf(Locale.ROOT, "%nuffd4j bench faults: %d runs x %d faults (+%d warm-up faults, %d warm-up runs), "
                        + "spin window %d us; load %s -> %s%n",
                s.runs(), s.faults(), s.warmupFaults(), s.warmupRuns(), s.spinWindowNanos() / 1000,
                r.loadAverageBefore(), r.loadAverageAfter());
        out.printf(Locale.ROOT, "%s, %d CPUs, kernel %s, Java %s, %s%n%n", r.machine().cpuModel(), r.machine().cpus(),
                r.machine().kernel(), r.machine().java(), r.machine().compiler());
        out.printf(Locale.ROOT, "%-9s %-15s %-13s %22s %22s %16s%n", "operation", "strategy", "impl",
                "p50 us (min-max)", "p99 us (min-max)", "faults/s");
        for (Measurement m : r.measurements()) {
            out.printf(Locale.ROOT, "%-9s %-15s %-13s %22s %22s %16s%n", m.operation().key(), m.strategy().key(),
                    m.implementation().key(), micros(m.p50()), micros(m.p99()),
                    String.format(Locale.ROOT, "%,.0f", m.faultsPerSecond().median()));
        }
        out.printf(Locale.ROOT, "%nJava / C (medians across runs; goal for java-direct: p50 <= %.2f, p99 <= %.2f)%n",
                r.goalP50Ratio(), r.goalP99Ratio());
        out.printf(Locale.ROOT, "%-9s %-15s %-13s %8s %8s %10s  %s%n", "operation", "strategy", "impl", "p50", "p99",
                "tput", "goal");
        for (Comparison c : r.comparisons()) {
            out.printf(Locale.ROOT, "%-9s %-15s %-13s %8.3f %8.3f %10.3f  %s%n", c.operation().key(), c.strategy().key(),
                    c.implementation().key(), c.p50Ratio(), c.p99Ratio(), c.throughputRatio(),
                    !c.goalApplies() ? "-" : c.goalMet() ? "met" : "MISSED");
        }
        if (r.comparisons().stream().noneMatch(Comparison::goalApplies)) {
            out.printf(Locale.ROOT, "%nNo served operation was measured: the goal does not apply.%n");
        } else {
            out.printf(Locale.ROOT, "%nGoal %s for every operation.%n", r.goalMet() ? "met" : "NOT met");
        }
    }

    private static String micros(Spread s) {
        return String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", s.median() / 1000, s.min() / 1000, s.max() / 1000);
    }
}
