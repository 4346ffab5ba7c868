package io.uffd4j.bench.compact;

import java.util.List;

/**
 * The compaction benchmark's report (written as JSON). Times in nanoseconds unless named otherwise.
 *
 * @param date        when the run started (ISO-8601)
 * @param machine     where it ran and how busy the machine was
 * @param settings    what was run
 * @param strategies  per strategy: every run and the medians
 * @param reference   the same page production written in C (gcc at run time), if it could be built
 * @param goals       the targets of the design, each with the measured value and whether it is met
 */
public record BenchReport(String date, Machine machine, Settings settings, List<StrategyResult> strategies,
                          CReference reference, List<Goal> goals) {

    /** @param loadBefore /proc/loadavg (1 min) before the run; {@code loadAfter} after it */
    public record Machine(int cores, String kernel, String jvm, double loadBefore, double loadAfter,
                          long memTotalBytes) {}

    /**
     * @param faultSpinMicros how long fault-server threads spin for the next message before blocking (0: block)
     * @param userAssist      whether user operations produce missing pages themselves instead of faulting
     */
    public record Settings(long regionBytes, long filledBytes, long liveBytes, int records, int userThreads,
                           int compactionThreads, long faultSpinMicros, boolean userAssist, int runs, long seed, String workload) {}

    /**
     * One measured cycle. {@code tlbShootdowns}: TLB-shootdown interrupts on all CPUs during the cycle
     * (system-wide, so other processes add noise); MOVE's cost in a multi-threaded process.
     */
    public record Run(int run, boolean underLoad, long startPauseNanos, long draftNanos, long drainNanos, long planNanos,
                      long flipNanos, long serveNanos, long commitNanos, long compactionNanos, long compactorNanos,
                      long assembleNanos, long installNanos, long releaseNanos, long totalNanos, int toPages, int keptPages, long recycled, long allocated,
                      long keptMoved, long keptCopied, long producedOnFault, long producedByUsers, long freshOnFault, long fromSpaceBytesRead,
                      long moveBusyFallbacks, long retries, long lostRaces, long continueRefaults, long tlbShootdowns,
                      long rssBeforeBytes, long rssPeakBytes, long rssAfterBytes, Latency outside, Latency during) {}

    /** User operation latency in one phase (absent for runs without users). */
    public record Latency(long ops, double seconds, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {}

    /** Medians over the runs of one strategy. */
    public record StrategyResult(String strategy, List<Run> runs, long compactionNanos, long compactionNanosLoaded,
                                 long totalNanos, long startPauseNanos, long startPauseNanosLoaded,
                                 long p50OutsideNanos, long p99OutsideNanos, long p50DuringNanos, long p99DuringNanos,
                                 long maxDuringNanos, long rssBeforeBytes, long rssPeakBytes, long rssAfterBytes,
                                 long allocationsAvoided, long allocated) {}

    /** The C program's time for the same plans (median), per strategy. */
    public record CReference(String compiler, List<CResult> results, String note) {}

    public record CResult(String strategy, long compactionNanos, long javaCompactionNanos, double javaOverC) {}

    public record Goal(String name, String target, String measured, boolean met) {}
}
