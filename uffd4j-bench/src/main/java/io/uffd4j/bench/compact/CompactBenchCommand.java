package io.uffd4j.bench.compact;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.uffd4j.cli.options.ByteSize;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.compact.Strategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code compact}: the concurrent-compaction benchmark (wired into the CLI as {@code ./uffd4j bench compact}).
 * Writes report.json and PNG charts to {@code --out} and prints the medians and whether each goal is met.
 */
@Command(name = "compact", mixinStandardHelpOptions = true,
        description = "Benchmark concurrent compaction: COPY vs MOVE vs CONTINUE vs ADAPTIVE vs stop-the-world, "
                + "on identical fragmented stores; JSON report and PNG plots.")
public final class CompactBenchCommand implements Callable<Integer> {
    static final long MAX_REGION = 64L << 30;
    static final long MIN_REGION = 4L << 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Small region, two runs, short windows (about a minute).")
    boolean quick;

    @Option(names = "--out", description = "Report directory (default: ${DEFAULT-VALUE}).", defaultValue = "reports/bench-compact")
    Path out;

    @Option(names = "--size", paramLabel = "BYTES", description = "Region size, 4m to 64g in whole 4 KiB pages, "
            + "e.g. 512m or 1g (default: 512m; 64m with --quick).")
    String size;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per strategy: 1 to 100 (default: 5; 2 with --quick).")
    Integer runs;

    @Option(names = "--users", paramLabel = "N", description = "User threads during the loaded runs: 0 (no loaded run) "
            + "to 64 (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int users;

    @Option(names = "--compaction-threads", paramLabel = "N", description = "Compaction threads per cycle: 1 to 64 "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int compactionThreads;

    @Option(names = "--strategies", split = ",", description = "Strategies to compare (default: all).")
    List<Strategy> strategies;

    @Option(names = "--seed", description = "Workload seed (default: ${DEFAULT-VALUE}).", defaultValue = "20231009")
    long seed;

    @Option(names = "--no-c-reference", description = "Do not build and run the C reference.")
    boolean noC;

    @Option(names = "--fault-spin-us", paramLabel = "US", description = "Fault-server threads spin this long for the next "
            + "fault before blocking in poll: 0 to 1000000 (default: ${DEFAULT-VALUE}, block at once).", defaultValue = "0")
    long faultSpinMicros;

    @Option(names = "--no-user-assist", description = "User operations fault on pages the cycle has not produced "
            + "(served by the fault server) instead of producing them themselves.")
    boolean noUserAssist;

    @Override
    public Integer call() throws Exception {
        Refusal check = Refusal.of(spec);
        String sizeText = size != null ? size : quick ? "64m" : "512m";
        String accepted = "a size from 4m to 64g in whole 4 KiB pages, e.g. 512m or 1g";
        long region;
        try {
            region = ByteSize.parse(sizeText, MAX_REGION);
        } catch (TypeConversionException e) {
            throw check.refuse("--size", sizeText, accepted);
        }
        if (region < MIN_REGION) {
            throw check.refuse("--size", sizeText, accepted);
        }
        if (runs != null) {
            check.range("--runs", runs, 1, 100);
        }
        check.range("--users", users, 0, 64)
                .range("--compaction-threads", compactionThreads, 1, 64)
                .range("--fault-spin-us", faultSpinMicros, 0, 1_000_000, "us")
                .creatableDirectory("--out", out)
                .freeSpace("--out", out, 64L << 20);
        CompactBench.Options options = new CompactBench.Options(region, 0.6, runs != null ? runs : quick ? 2 : 5,
                users, compactionThreads, quick ? 300 : 1000,
                strategies != null ? strategies : List.of(Strategy.values()), seed, !noC, faultSpinMicros, !noUserAssist, System.out);
        BenchReport report = new CompactBench(options).run();
        Files.createDirectories(out);
        Path json = out.resolve("report.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        List<Path> plots = BenchPlots.write(report, out);
        print(report);
        System.out.println("report: " + json.toAbsolutePath());
        plots.forEach(p -> System.out.println("plot:   " + p.toAbsolutePath()));
        return 0;
    }

    private static void print(BenchReport r) {
        System.out.printf("%n%s, %d cores, load %.2f -> %.2f, kernel %s, JDK %s%n", r.date(), r.machine().cores(),
                r.machine().loadBefore(), r.machine().loadAfter(), r.machine().kernel(), r.machine().jvm());
        System.out.printf("region %d MiB, %d live records (%.0f MiB live of %.0f MiB filled)%n",
                r.settings().regionBytes() >> 20, r.settings().records(), r.settings().liveBytes() / 1048576.0,
                r.settings().filledBytes() / 1048576.0);
        System.out.printf("%-14s %10s %10s %9s %9s %9s %9s %9s %8s %8s %8s%n", "strategy", "compact ms", "loaded ms",
                "pause ms", "p50 out", "p99 out", "p50 in", "p99 in", "RSS0 MiB", "peak", "after");
        for (BenchReport.StrategyResult s : r.strategies()) {
            System.out.printf("%-14s %10.1f %10.1f %9.2f %8.1fu %8.1fu %8.1fu %8.1fu %8.0f %8.0f %8.0f%n", s.strategy(),
                    s.compactionNanos() / 1e6, s.compactionNanosLoaded() / 1e6, s.startPauseNanos() / 1e6,
                    s.p50OutsideNanos() / 1e3, s.p99OutsideNanos() / 1e3, s.p50DuringNanos() / 1e3,
                    s.p99DuringNanos() / 1e3, s.rssBeforeBytes() / 1048576.0, s.rssPeakBytes() / 1048576.0,
                    s.rssAfterBytes() / 1048576.0);
        }
        if (r.reference() != null) {
            for (BenchReport.CResult c : r.reference().results()) {
                System.out.printf("C reference %-8s %8.1f ms; Java %8.1f ms (%.2fx)%n", c.strategy(),
                        c.compactionNanos() / 1e6, c.javaCompactionNanos() / 1e6, c.javaOverC());
            }
        }
        System.out.println("goals:");
        for (BenchReport.Goal g : r.goals()) {
            System.out.printf("  [%s] %s: %s (target %s)%n", g.met() ? "met" : "NOT MET", g.name(), g.measured(), g.target());
        }
    }
}
