package io.uffd4j.bench.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.uffd4j.bench.support.CacheDirOption;
import io.uffd4j.cli.options.Refusal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench faults}: the userfaultfd fault round trip (access, event, resolution, resume) of uffd4j's
 * FaultServer against a C reference of the same design, for each operation and wait strategy, plus the
 * plain page-fault floor. Writes results.json and PNG plots into the report directory and prints a table.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = {"Measures the userfaultfd fault round trip: uffd4j (FaultServer + GuardedMemory) vs a C "
                + "reference of the same design built with gcc, per operation and wait strategy.",
                "Writes results.json and PNG plots to the report directory and prints the Java/C ratios."})
public final class FaultBenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "Fewer and smaller runs (a smoke test, not a measurement).")
    boolean quick;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per configuration: 1 to 1000 (default 5, quick 2).")
    Integer runs;

    @Option(names = "--faults", paramLabel = "N", description = "Measured faults per run: 1 to 1048576, "
            + "with --warmup-faults at most 1048576 (default 20000, quick 2000).")
    Integer faults;

    @Option(names = "--warmup-faults", paramLabel = "N", description = "Unrecorded faults at the start of each run: "
            + "0 to 1048576 (default 2000, quick 500).")
    Integer warmupFaults;

    @Option(names = "--warmup-runs", paramLabel = "N", description = "Discarded Java runs per configuration before the "
            + "measured ones, for the JIT: 0 to 100 (default 3, quick 1); C needs none.")
    Integer warmupRuns;

    @Option(names = "--spin-window-us", paramLabel = "US", description = "How long spin-then-block spins after the last "
            + "message, in microseconds: 0 to 1000000 (default ${DEFAULT-VALUE}).")
    long spinWindowMicros = 50;

    @Option(names = "--ops", split = ",", paramLabel = "OP",
            description = "Operations: copy, zeropage, move, wp, continue, floor (default: all).")
    List<String> ops;

    @Option(names = "--strategies", split = ",", paramLabel = "STRATEGY",
            description = "Handler wait strategies: block, spin, spin-then-block (default: all).")
    List<String> strategies;

    @Option(names = "--no-checked", description = "Skip the GuardedMemory CHECKED rows.")
    boolean noChecked;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory (default reports/bench-faults/<timestamp>).")
    Path out;

    @Mixin
    CacheDirOption cache;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // the plots need no display
        }
        Path dir = out != null ? out
                : Path.of("reports", "bench-faults", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Settings settings = checkedSettings(dir);
        Files.createDirectories(dir);
        FaultBenchResult result = new FaultBench(settings, System.err).run();
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(dir.resolve("results.json").toFile(), result);
        List<String> plots = Plots.write(result, dir);
        ResultTable.print(result, System.out);
        System.out.println("\nReport: " + dir.toAbsolutePath() + " (results.json, " + String.join(", ", plots) + ")");
        return 0;
    }

    /** The settings, every option checked before anything is written (a refusal names the option). */
    private Settings checkedSettings(Path dir) {
        int maxPages = 1 << 20;
        Refusal check = Refusal.of(spec);
        if (runs != null) {
            check.range("--runs", runs, 1, 1000);
        }
        if (warmupRuns != null) {
            check.range("--warmup-runs", warmupRuns, 0, 100);
        }
        if (faults != null) {
            check.range("--faults", faults, 1, maxPages);
        }
        if (warmupFaults != null) {
            check.range("--warmup-faults", warmupFaults, 0, maxPages);
        }
        check.range("--spin-window-us", spinWindowMicros, 0, 1_000_000, "us");
        for (String op : ops != null ? ops : List.<String>of()) {
            try {
                Operation.parse(op);
            } catch (IllegalArgumentException e) {
                throw check.refuse("--ops", op, "copy, zeropage, move, wp, continue, floor");
            }
        }
        for (String strategy : strategies != null ? strategies : List.<String>of()) {
            try {
                Strategy.parse(strategy);
            } catch (IllegalArgumentException e) {
                throw check.refuse("--strategies", strategy, "block, spin, spin-then-block");
            }
        }
        Settings settings = settings();
        if ((long) settings.faults() + settings.warmupFaults() > maxPages) {
            throw check.refuse("--faults", settings.faults() + " (+ " + settings.warmupFaults() + " warm-up)",
                    "at most " + maxPages + " faults per run, warm-up included");
        }
        check.creatableDirectory("--out", dir).freeSpace("--out", dir, 64L << 20);
        cache.check(check);
        return settings;
    }

    Settings settings() {
        List<Operation> operations = ops == null || ops.isEmpty() ? Arrays.asList(Operation.values())
                : ops.stream().map(Operation::parse).distinct().toList();
        List<Strategy> strats = strategies == null || strategies.isEmpty()
                ? List.of(Strategy.BLOCK, Strategy.SPIN, Strategy.SPIN_THEN_BLOCK)
                : strategies.stream().map(Strategy::parse).distinct().toList();
        return new Settings(runs != null ? runs : quick ? 2 : 5, warmupRuns != null ? warmupRuns : quick ? 1 : 3,
                faults != null ? faults : quick ? 2000 : 20000,
                warmupFaults != null ? warmupFaults : quick ? 500 : 2000,
                spinWindowMicros * 1000, operations, strats, !noChecked, quick,
                cache.directory());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(io.uffd4j.cli.options.CommandLines.configure(new CommandLine(new FaultBenchCommand())).execute(args));
    }
}
