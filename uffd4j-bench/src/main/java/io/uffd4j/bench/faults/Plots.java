package io.uffd4j.bench.faults;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** PNG plots of a result: p50 and p99 per operation for each strategy, and one latency CDF. */
final class Plots {
    private Plots() {}

    /** Writes the plots into {@code dir}; returns the file names. */
    static List<String> write(FaultBenchResult r, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        List<Operation> ops = r.settings().operations().stream().filter(Operation::served).toList();
        if (!ops.isEmpty()) {
            for (Strategy strategy : r.settings().strategies()) {
                files.add(percentileChart(r, ops, strategy, "p50", Measurement::p50, dir));
                files.add(percentileChart(r, ops, strategy, "p99", Measurement::p99, dir));
            }
            Operation op = ops.contains(Operation.COPY) ? Operation.COPY : ops.getFirst();
            Strategy strategy = r.settings().strategies().contains(Strategy.BLOCK) ? Strategy.BLOCK : r.settings().strategies().getFirst();
            files.add(cdf(r, op, strategy, dir));
        }
        if (r.settings().operations().contains(Operation.FLOOR)) {
            files.add(cdf(r, Operation.FLOOR, Strategy.NONE, dir));
        }
        return files;
    }

    private static String percentileChart(FaultBenchResult r, List<Operation> ops, Strategy strategy, String name,
                                          Function<Measurement, Spread> figure, Path dir) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520)
                .title(name + " fault round trip, " + strategy.key() + " (median of " + r.settings().runs() + " runs)")
                .xAxisTitle("operation").yAxisTitle(name + " latency (us)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        List<String> labels = ops.stream().map(Operation::key).toList();
        for (Implementation impl : List.of(Implementation.C, Implementation.JAVA_DIRECT, Implementation.JAVA_CHECKED)) {
            List<Double> values = new ArrayList<>();
            boolean any = false;
            for (Operation op : ops) {
                Measurement m = r.find(op, strategy, impl);
                values.add(m == null ? 0.0 : figure.apply(m).median() / 1000);
                any |= m != null;
            }
            if (any) {
                chart.addSeries(impl.label(), labels, values);
            }
        }
        String file = name + "-" + strategy.key() + ".png";
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    /** Cumulative distribution of all measured faults of one configuration, per implementation. */
    private static String cdf(FaultBenchResult r, Operation op, Strategy strategy, Path dir) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(520)
                .title("latency CDF, " + op.label() + (strategy == Strategy.NONE ? "" : ", " + strategy.key())
                        + " (all runs)")
                .xAxisTitle("fault latency (us, log scale)").yAxisTitle("fraction of faults").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        for (Implementation impl : Implementation.values()) {
            Measurement m = r.find(op, strategy, impl);
            if (m == null || m.merged() == null || m.merged().getTotalCount() == 0) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            Histogram h = m.merged();
            double total = h.getTotalCount();
            for (HistogramIterationValue v : h.percentiles(20)) {
                x.add(Math.max(0.001, v.getValueIteratedTo() / 1000.0));
                y.add(v.getTotalCountToThisValue() / total);
            }
            XYSeries series = chart.addSeries(impl.label(), x, y);
            series.setMarker(SeriesMarkers.NONE);
        }
        String file = "cdf-" + op.key() + (strategy == Strategy.NONE ? "" : "-" + strategy.key()) + ".png";
        BitmapEncoder.saveBitmap(chart, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
