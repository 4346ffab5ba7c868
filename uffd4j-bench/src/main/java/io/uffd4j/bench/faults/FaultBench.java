package io.uffd4j.bench.faults;

import io.uffd4j.Userfaultfd;
import io.uffd4j.error.PermissionDeniedException;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs every configuration, Java and C side by side: for each operation and strategy, the runs of the
 * C reference, Java DIRECT and Java CHECKED alternate (in rotating order), so that drifts of the
 * machine's load hit all of them alike.
 */
public final class FaultBench {
    private final Settings settings;
    private final PrintStream log;

    public FaultBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public FaultBenchResult run() throws IOException, InterruptedException {
        String started = Instant.now().toString();
        String loadBefore = MachineInfo.loadAverage();
        boolean userModeOnly = needsUserModeOnly();
        CReference c = CReference.build(settings.cacheDir());
        log.println("C reference: " + c.binary() + " (" + c.compiler() + ")");
        JavaFaultBench java = new JavaFaultBench(settings, userModeOnly);
        List<Measurement> measurements = new ArrayList<>();
        List<Comparison> comparisons = new ArrayList<>();
        Path scratch = Files.createTempDirectory("uffd4j-bench-faults");
        try {
            for (Operation op : settings.operations()) {
                List<Strategy> strategies = op.served() ? settings.strategies() : List.of(Strategy.NONE);
                for (Strategy strategy : strategies) {
                    List<Implementation> impls = implementations(op, userModeOnly);
                    log.printf("%-9s %-15s %s%n", op.key(), strategy.key(),
                            String.join(", ", impls.stream().map(Implementation::key).toList()));
                    for (Implementation impl : impls) {
                        if (impl != Implementation.C) {
                            java.warmUp(op, strategy, impl);
                        }
                    }
                    Map<Implementation, List<RunResult>> runs = new EnumMap<>(Implementation.class);
                    Map<Implementation, Histogram> merged = new EnumMap<>(Implementation.class);
                    for (int r = 0; r < settings.runs(); r++) {
                        // Alternate the implementations run by run, rotating the order, so that the
                        // machine's load drifts over all of them alike.
                        for (int k = 0; k < impls.size(); k++) {
                            Implementation impl = impls.get((r + k) % impls.size());
                            Histogram h = merged.computeIfAbsent(impl, i -> new Histogram(3));
                            RunResult result = impl == Implementation.C
                                    ? c.runOnce(op, strategy, settings, userModeOnly, scratch, h)
                                    : java.runOnce(op, strategy, impl, h);
                            runs.computeIfAbsent(impl, i -> new ArrayList<>()).add(result);
                        }
                    }
                    Measurement cm = Measurement.of(op, strategy, Implementation.C, runs.get(Implementation.C),
                            merged.get(Implementation.C));
                    measurements.add(cm);
                    for (Implementation impl : impls) {
                        if (impl != Implementation.C) {
                            Measurement jm = Measurement.of(op, strategy, impl, runs.get(impl), merged.get(impl));
                            measurements.add(jm);
                            comparisons.add(Comparison.of(jm, cm));
                        }
                    }
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(scratch)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        // Vacuously true would be a lie: without a served operation there is nothing the goal applies to.
        boolean goalMet = comparisons.stream().anyMatch(Comparison::goalApplies)
                && comparisons.stream().filter(Comparison::goalApplies).allMatch(Comparison::goalMet);
        return new FaultBenchResult("faults", started, Instant.now().toString(),
                MachineInfo.probe(c.compiler(), userModeOnly), loadBefore, MachineInfo.loadAverage(), settings,
                Comparison.GOAL_P50, Comparison.GOAL_P99, goalMet, measurements, comparisons);
    }

    private List<Implementation> implementations(Operation op, boolean userModeOnly) {
        List<Implementation> impls = new ArrayList<>(List.of(Implementation.C, Implementation.JAVA_DIRECT));
        if (settings.withChecked() && !userModeOnly && op.served()) {
            impls.add(Implementation.JAVA_CHECKED);
        }
        if (!op.served()) {
            impls.add(Implementation.JAVA_SEGMENT);
        }
        return impls;
    }

    /** Unprivileged processes may only create user-mode-only descriptors (then CHECKED is not possible). */
    private static boolean needsUserModeOnly() {
        try (Userfaultfd ignored = Userfaultfd.open()) {
            return false;
        } catch (PermissionDeniedException e) {
            return true;
        }
    }
}
