package io.uffd4j.bench.compact;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The benchmark's PNG charts (XChart). */
final class BenchPlots {
    private BenchPlots() {}

    static List<Path> write(BenchReport report, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> names = report.strategies().stream().map(BenchReport.StrategyResult::strategy).toList();
        List<Path> files = new ArrayList<>();

        CategoryChart time = chart("Compaction time per cycle (median)", "milliseconds", false);
        series(time, "compaction threads, no users", report, names, r -> r.compactionNanos() / 1e6);
        series(time, "compaction threads, users running", report, names, r -> r.compactionNanosLoaded() / 1e6);
        series(time, "whole cycle, no users", report, names, r -> r.totalNanos() / 1e6);
        files.add(save(time, dir, "compaction-time"));

        CategoryChart latency = chart("User operation latency (median of runs)", "microseconds (log)", true);
        series(latency, "p50 outside a cycle", report, names, r -> Math.max(0.01, r.p50OutsideNanos() / 1e3));
        series(latency, "p99 outside a cycle", report, names, r -> Math.max(0.01, r.p99OutsideNanos() / 1e3));
        series(latency, "p50 during a cycle", report, names, r -> Math.max(0.01, r.p50DuringNanos() / 1e3));
        series(latency, "p99 during a cycle", report, names, r -> Math.max(0.01, r.p99DuringNanos() / 1e3));
        series(latency, "max during a cycle", report, names, r -> Math.max(0.01, r.maxDuringNanos() / 1e3));
        files.add(save(latency, dir, "latency"));

        CategoryChart pause = chart("Pause that starts a cycle (median)", "milliseconds", false);
        series(pause, "no users", report, names, r -> r.startPauseNanos() / 1e6);
        series(pause, "users running", report, names, r -> r.startPauseNanosLoaded() / 1e6);
        files.add(save(pause, dir, "pause"));

        CategoryChart memory = chart("Resident memory of the process (median)", "MiB", false);
        series(memory, "before the cycle", report, names, r -> r.rssBeforeBytes() / 1048576.0);
        series(memory, "peak during", report, names, r -> r.rssPeakBytes() / 1048576.0);
        series(memory, "after (from-space freed)", report, names, r -> r.rssAfterBytes() / 1048576.0);
        files.add(save(memory, dir, "memory"));

        CategoryChart pages = chart("Pages installed without a new page (median)", "pages", false);
        series(pages, "allocations avoided (recycled + moved whole)", report, names, r -> r.allocationsAvoided());
        series(pages, "pages allocated (UFFDIO_COPY)", report, names, r -> r.allocated());
        files.add(save(pages, dir, "pages"));
        return files;
    }

    private static CategoryChart chart(String title, String yTitle, boolean log) {
        CategoryChart c = new CategoryChartBuilder().width(1000).height(560).title(title).xAxisTitle("strategy")
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisLogarithmic(log);
        if (log) {
            // XChart draws bars from zero, which a logarithmic axis cannot show: points instead.
            c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle.Scatter);
        }
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return c;
    }

    private static void series(CategoryChart c, String name, BenchReport report, List<String> names,
                               ToDoubleFunction<BenchReport.StrategyResult> f) {
        List<Double> ys = report.strategies().stream().map(f::applyAsDouble).toList();
        c.addSeries(name, names, ys);
    }

    private static Path save(CategoryChart c, Path dir, String name) throws IOException {
        Path p = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmap(c, p.toString(), BitmapEncoder.BitmapFormat.PNG);
        return p;
    }
}
