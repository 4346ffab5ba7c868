package io.uffd4j.bench.faults;

/**
 * A Java implementation against the C reference for one operation and strategy: ratios of the
 * medians across runs (latency: Java / C, so lower is better; throughput: Java / C, higher is better).
 *
 * @param goalApplies whether the project's goal applies (GuardedMemory DIRECT on a served operation)
 * @param goalMet     p50 ratio <= 1.05 and p99 ratio <= 1.2 (meaningful only when the goal applies)
 */
public record Comparison(Operation operation, Strategy strategy, Implementation implementation,
                         double p50Ratio, double p99Ratio, double throughputRatio,
                         boolean goalApplies, boolean goalMet) {
    public static final double GOAL_P50 = 1.05;
    public static final double GOAL_P99 = 1.2;

    static Comparison of(Measurement java, Measurement c) {
        double p50 = java.p50().median() / c.p50().median();
        double p99 = java.p99().median() / c.p99().median();
        double tput = java.faultsPerSecond().median() / c.faultsPerSecond().median();
        boolean applies = java.implementation() == Implementation.JAVA_DIRECT && java.operation().served();
        return new Comparison(java.operation(), java.strategy(), java.implementation(), p50, p99, tput, applies,
                p50 <= GOAL_P50 && p99 <= GOAL_P99);
    }
}
