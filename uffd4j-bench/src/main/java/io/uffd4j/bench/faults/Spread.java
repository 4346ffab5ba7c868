package io.uffd4j.bench.faults;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Median, minimum and maximum of one figure across the runs of a configuration. */
public record Spread(double median, double min, double max) {
    static <T> Spread of(List<T> runs, ToDoubleFunction<T> figure) {
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        if (v.length == 0) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN);
        }
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1]);
    }
}
