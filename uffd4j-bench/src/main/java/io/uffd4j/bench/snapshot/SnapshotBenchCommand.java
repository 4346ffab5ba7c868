package io.uffd4j.bench.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.uffd4j.bench.support.CacheDirOption;
import io.uffd4j.cli.options.Refusal;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * {@code ./uffd4j bench snapshot}: live snapshots with write-protect against fork() and a
 * stop-the-world copy, for a write-heavy and a read-heavy worker, plus incremental snapshots.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Snapshots a region a thread keeps using, three ways: uffd4j (write-protect, copy-on-write in the "
                + "pager), fork() in C (the child writes the region), and a stop-the-world copy. Reports the worker's pause "
                + "at the instant, its operation latency during the snapshot, arming time per GiB, peak extra memory and "
                + "total time; then uffd4j's incremental snapshot after 1%% of the pages changed.",
                "Writes results.json and PNG plots to the report directory."})
public final class SnapshotBenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "One run of 256 MiB (a smoke test, not a measurement).")
    boolean quick;

    @Option(names = "--sizes", split = ",", paramLabel = "MIB", description = "Region sizes in MiB, each 1 to 65536 (default 1024,4096).")
    List<Long> sizesMiB;

    @Option(names = "--workloads", split = ",", paramLabel = "W",
            description = "write-heavy, read-heavy (default: both).")
    List<String> workloads;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per configuration: 1 to 100 (default 3, quick 1).")
    Integer runs;

    @Option(names = "--buffer-mib", defaultValue = "64", paramLabel = "MIB", description = "uffd4j's snapshot buffer in MiB: 1 to 4096 (default 64).")
    long bufferMiB;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory; the images of a run are written there too, "
            + "so it needs room for twice the largest size (default reports/bench-snapshot/<timestamp>).")
    Path out;

    @Mixin
    CacheDirOption cache;

    @Override
    public Integer call() throws Exception {
        List<Long> sizesInMiB = sizesMiB != null ? sizesMiB : quick ? List.of(256L) : List.of(1024L, 4096L);
        Refusal check = Refusal.of(spec);
        for (long mib : sizesInMiB) {
            check.range("--sizes", mib, 1, 65536, "MiB");
        }
        List<Long> sizes = sizesInMiB.stream().map(m -> m * SnapshotBench.MIB).toList();
        List<String> w = workloads != null ? workloads : List.of("write-heavy", "read-heavy");
        for (String x : w) {
            if (!x.equals("write-heavy") && !x.equals("read-heavy")) {
                throw check.refuse("--workloads", x, "write-heavy, read-heavy");
            }
        }
        if (runs != null) {
            check.range("--runs", runs, 1, 100);
        }
        check.range("--buffer-mib", bufferMiB, 1, 4096, "MiB");
        Path dir = out != null ? out : Path.of("reports", "bench-snapshot",
                DateTimeFormatter.ISO_INSTANT.format(Instant.now()).replace(':', '-'));
        long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
        check.creatableDirectory("--out", dir).freeSpace("--out", dir, 2 * largest + (64L << 20));
        cache.check(check);
        Files.createDirectories(dir);
        Path scratch = Files.createTempDirectory(dir.toAbsolutePath(), "scratch-");
        SnapshotBench.Settings s = new SnapshotBench.Settings(sizes, w, runs != null ? runs : quick ? 1 : 3,
                bufferMiB * SnapshotBench.MIB, scratch, cache.directory());
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        SnapshotBench bench = new SnapshotBench(s, System.out);
        try {
            bench.runAll();
        } finally {
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(scratch);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", Instant.now().toString());
        report.put("loadBefore", loadBefore);
        report.put("loadAfter", Files.readString(Path.of("/proc/loadavg")).trim());
        report.put("kernel", System.getProperty("os.version"));
        report.put("settings", s);
        report.put("runs", bench.runs());
        report.put("summary", summary(bench.runs()));
        report.put("incremental", bench.incrementals());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), report);
        List<String> plots = plots(bench.runs(), dir);
        System.out.println();
        printSummary(bench);
        System.out.println("report: " + dir.resolve("results.json") + " and " + plots);
        return 0;
    }

    /** Medians over runs, per method, size and workload. */
    private static List<Map<String, Object>> summary(List<SnapshotBench.Run> runs) {
        Map<String, List<SnapshotBench.Run>> groups = runs.stream().collect(Collectors.groupingBy(
                r -> r.method() + "|" + r.regionBytes() + "|" + r.workload(), LinkedHashMap::new, Collectors.toList()));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<SnapshotBench.Run> g : groups.values()) {
            SnapshotBench.Run first = g.getFirst();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("method", first.method());
            row.put("regionMiB", first.regionBytes() / SnapshotBench.MIB);
            row.put("workload", first.workload());
            row.put("runs", g.size());
            row.put("pauseMs", median(g, SnapshotBench.Run::pauseMs));
            row.put("longestOperationMs", median(g, SnapshotBench.Run::longestOperationMs));
            row.put("stallP50Us", median(g, r -> r.stallP50Ns() / 1e3));
            row.put("stallP99Us", median(g, r -> r.stallP99Ns() / 1e3));
            row.put("baselineP99Us", median(g, r -> r.baselineP99Ns() / 1e3));
            row.put("armMsPerGiB", median(g, SnapshotBench.Run::armMsPerGiB));
            row.put("peakExtraMiB", median(g, r -> r.peakExtraBytes() / (double) SnapshotBench.MIB));
            row.put("peakBufferMiB", median(g, r -> r.peakBufferBytes() / (double) SnapshotBench.MIB));
            row.put("totalMs", median(g, SnapshotBench.Run::totalMs));
            row.put("throttled", median(g, r -> r.throttled()));
            rows.add(row);
        }
        return rows;
    }

    static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void printSummary(SnapshotBench bench) {
        System.out.printf("%-15s %6s %-11s %10s %11s %10s %10s %9s %10s %10s%n", "method", "MiB", "workload", "pause ms",
                "longest ms", "p50 us", "p99 us", "arm/GiB", "extra MiB", "total ms");
        for (Map<String, Object> row : summary(bench.runs())) {
            System.out.printf("%-15s %6d %-11s %10.3f %11.3f %10.2f %10.2f %9.3f %10.1f %10.1f%n", row.get("method"),
                    (Long) row.get("regionMiB"), row.get("workload"), (Double) row.get("pauseMs"),
                    (Double) row.get("longestOperationMs"), (Double) row.get("stallP50Us"), (Double) row.get("stallP99Us"),
                    (Double) row.get("armMsPerGiB"), (Double) row.get("peakExtraMiB"), (Double) row.get("totalMs"));
        }
        for (SnapshotBench.Incremental i : bench.incrementals()) {
            System.out.printf("incremental %s %d MiB %s run %d: %d pages, pause %.3f ms, %.1f ms = %.1f%% of the full snapshot%n",
                    i.method(), i.regionBytes() / SnapshotBench.MIB, i.workload(), i.run(), i.deltaPages(), i.deltaPauseMs(),
                    i.deltaTotalMs(), 100 * i.costRatio());
        }
    }

    private static List<String> plots(List<SnapshotBench.Run> runs, Path dir) throws java.io.IOException {
        List<String> files = new ArrayList<>();
        List<Long> sizes = runs.stream().map(SnapshotBench.Run::regionBytes).distinct().sorted(Comparator.naturalOrder()).toList();
        for (long size : sizes) {
            List<SnapshotBench.Run> rs = runs.stream().filter(r -> r.regionBytes() == size).toList();
            files.add(chart(rs, dir, size, "pause", "worker's longest operation (ms)", SnapshotBench.Run::longestOperationMs, true));
            files.add(chart(rs, dir, size, "stall-p99", "operation latency p99 during the snapshot (us)",
                    r -> r.stallP99Ns() / 1e3, true));
            files.add(chart(rs, dir, size, "extra-memory", "peak extra memory (MiB)",
                    r -> r.peakExtraBytes() / (double) SnapshotBench.MIB, false));
            files.add(chart(rs, dir, size, "total", "total time (ms)", SnapshotBench.Run::totalMs, false));
        }
        return files;
    }

    private static String chart(List<SnapshotBench.Run> runs, Path dir, long size, String name, String axis,
                                ToDoubleFunction<SnapshotBench.Run> figure, boolean log) throws java.io.IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520)
                .title(axis + ", " + size / SnapshotBench.MIB + " MiB region (median of runs)")
                .xAxisTitle("workload").yAxisTitle(axis).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        List<String> workloads = runs.stream().map(SnapshotBench.Run::workload).distinct().toList();
        for (String method : runs.stream().map(SnapshotBench.Run::method).distinct().toList()) {
            List<Double> values = new ArrayList<>();
            for (String w : workloads) {
                double m = median(runs.stream().filter(r -> r.method().equals(method) && r.workload().equals(w)).toList(), figure);
                values.add(Double.isNaN(m) ? 0.0 : m);
            }
            chart.addSeries(method, workloads, values);
        }
        String file = name + "-" + size / SnapshotBench.MIB + "MiB.png";
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(io.uffd4j.cli.options.CommandLines.configure(new CommandLine(new SnapshotBenchCommand())).execute(args));
    }
}
