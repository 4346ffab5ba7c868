package io.uffd4j.bench.faults;

import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.ServerStats;
import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Java side: one faulting thread (the caller) touches one page per fault through
 * {@link GuardedMemory}, timed with {@link System#nanoTime()} around each access, while a
 * FaultServer handler thread resolves the faults.
 */
final class JavaFaultBench {
    private final Settings settings;
    private final boolean userModeOnly;

    JavaFaultBench(Settings settings, boolean userModeOnly) {
        this.settings = settings;
        this.userModeOnly = userModeOnly;
    }

    Measurement measure(Operation op, Strategy strategy, Implementation impl) {
        if (impl == Implementation.JAVA_SEGMENT) {
            return measurePlainSegment();
        }
        GuardedMemory.Mode mode = impl == Implementation.JAVA_CHECKED ? GuardedMemory.Mode.CHECKED : GuardedMemory.Mode.DIRECT;
        int pages = settings.pagesPerRun();
        long[] latencies = new long[settings.faults()];
        List<RunResult> runs = new ArrayList<>();
        Histogram merged = new Histogram(3);
        try (JavaScenario scenario = JavaScenario.open(op, pages, mode, strategy, settings.spinWindowNanos(), userModeOnly)) {
            for (int r = 0; r < settings.warmupRuns() + settings.runs(); r++) {
                scenario.reset();
                long faultsBefore = scenario.server().stats().faults();
                Timed t = op.writeAccess()
                        ? timedStores(scenario.memory(), latencies, settings.warmupFaults(), pages)
                        : timedLoads(scenario.memory(), op, latencies, settings.warmupFaults(), pages);
                long bad = t.mismatches + scenario.verify(pages);
                ServerStats stats = scenario.server().stats();
                long served = stats.faults() - faultsBefore;
                long expectedServed = op.served() ? pages : 0;
                if (served != expectedServed || stats.handlerFailures() != 0) {
                    throw new IllegalStateException(op.key() + "/" + strategy.key() + "/" + impl.key() + ": the server handled "
                            + served + " faults (expected " + expectedServed + ") with " + stats.handlerFailures() + " handler failures");
                }
                if (bad != 0) {
                    throw new IllegalStateException(op.key() + "/" + strategy.key() + "/" + impl.key() + ": " + bad
                            + " pages had wrong contents after the run; the resolution is broken, so its timing means nothing");
                }
                if (r >= settings.warmupRuns()) {
                    runs.add(RunResult.of(latencies, latencies.length, t.elapsedNanos, bad, merged));
                }
            }
        }
        return Measurement.of(op, strategy, impl, runs, merged);
    }

    private record Timed(long elapsedNanos, long mismatches) {}

    /** Loads the first word of each page; checks the value against what the resolution must give. */
    private static Timed timedLoads(GuardedMemory memory, Operation op, long[] latencies, int warmup, int pages) {
        long bad = 0;
        long start = System.nanoTime();
        for (int i = 0; i < pages; i++) {
            if (i == warmup) {
                start = System.nanoTime();
            }
            long offset = (long) i << Pages.SHIFT;
            long t0 = System.nanoTime();
            long v = memory.getLong(offset);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                latencies[i - warmup] = t1 - t0;
            }
            if (v != Pages.expectedLoad(op, i)) {
                bad++;
            }
        }
        return new Timed(System.nanoTime() - start, bad);
    }

    /** Stores into the first word of each page. */
    private static Timed timedStores(GuardedMemory memory, long[] latencies, int warmup, int pages) {
        long start = System.nanoTime();
        for (int i = 0; i < pages; i++) {
            if (i == warmup) {
                start = System.nanoTime();
            }
            long offset = (long) i << Pages.SHIFT;
            long t0 = System.nanoTime();
            memory.setLong(offset, Pages.written(i));
            long t1 = System.nanoTime();
            if (i >= warmup) {
                latencies[i - warmup] = t1 - t0;
            }
        }
        return new Timed(System.nanoTime() - start, 0);
    }

    /** The floor as a user without userfaultfd would write it: MemorySegment stores to fresh anonymous memory. */
    private Measurement measurePlainSegment() {
        int pages = settings.pagesPerRun();
        int warmup = settings.warmupFaults();
        long[] latencies = new long[settings.faults()];
        List<RunResult> runs = new ArrayList<>();
        Histogram merged = new Histogram(3);
        try (Mapping region = Mapping.anonymous((long) pages * Pages.SIZE)) {
            region.advise(Advice.NOHUGEPAGE);
            MemorySegment s = region.segment();
            for (int r = 0; r < settings.warmupRuns() + settings.runs(); r++) {
                region.advise(Advice.DONTNEED);
                long start = System.nanoTime();
                for (int i = 0; i < pages; i++) {
                    if (i == warmup) {
                        start = System.nanoTime();
                    }
                    long t0 = System.nanoTime();
                    s.set(JAVA_LONG, (long) i << Pages.SHIFT, Pages.written(i));
                    long t1 = System.nanoTime();
                    if (i >= warmup) {
                        latencies[i - warmup] = t1 - t0;
                    }
                }
                long elapsed = System.nanoTime() - start;
                if (r >= settings.warmupRuns()) {
                    runs.add(RunResult.of(latencies, latencies.length, elapsed, 0, merged));
                }
            }
        }
        return Measurement.of(Operation.FLOOR, Strategy.NONE, Implementation.JAVA_SEGMENT, runs, merged);
    }
}
