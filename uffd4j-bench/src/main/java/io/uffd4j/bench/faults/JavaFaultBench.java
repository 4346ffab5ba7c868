package io.uffd4j.bench.faults;

import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.ServerStats;
import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Java side: one faulting thread (the caller) touches one page per fault through
 * {@link GuardedMemory}, timed with {@link System#nanoTime()} around each access, while a
 * FaultServer handler thread resolves the faults.
 *
 * <p>The timed loops run in chunks of {@link #CHUNK} pages, one call per chunk, so that the JIT
 * compiles them as ordinary hot methods rather than leaving a run-long loop to on-stack replacement.
 */
final class JavaFaultBench {
    private static final int CHUNK = 32;

    private final Settings settings;
    private final boolean userModeOnly;
    private final long[] latencies;
    private long mismatches;

    JavaFaultBench(Settings settings, boolean userModeOnly) {
        this.settings = settings;
        this.userModeOnly = userModeOnly;
        this.latencies = new long[settings.faults()];
    }

    /**
     * Runs {@code Settings.warmupRuns()} discarded runs, then waits (at most 5 s, 1 s in quick mode)
     * until the JIT has been idle for 200 ms, so that compiler threads do not compete with the measured runs.
     */
    void warmUp(Operation op, Strategy strategy, Implementation impl) {
        for (int r = 0; r < settings.warmupRuns(); r++) {
            runOnce(op, strategy, impl, null);
        }
        awaitQuietJit(settings.quick() ? 1_000_000_000L : 5_000_000_000L);
    }

    private static void awaitQuietJit(long maxNanos) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + maxNanos;
        long last = jit.getTotalCompilationTime();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            if (now == last) {
                return;
            }
            last = now;
        }
    }

    /**
     * One run in a fresh scenario (mapping, userfaultfd, FaultServer), closed afterwards so that no
     * handler thread of this JVM spins while the other implementations run.
     */
    RunResult runOnce(Operation op, Strategy strategy, Implementation impl, Histogram merged) {
        if (impl == Implementation.JAVA_SEGMENT) {
            return runPlainSegment(merged);
        }
        GuardedMemory.Mode mode = impl == Implementation.JAVA_CHECKED ? GuardedMemory.Mode.CHECKED : GuardedMemory.Mode.DIRECT;
        int pages = settings.pagesPerRun();
        int warmup = settings.warmupFaults();
        String what = op.key() + "/" + strategy.key() + "/" + impl.key();
        try (JavaScenario scenario = JavaScenario.open(op, pages, mode, strategy, settings.spinWindowNanos(), userModeOnly)) {
            scenario.reset();
            GuardedMemory memory = scenario.memory();
            long elapsed = onFreshThread(() -> timedAccesses(op, memory, pages, warmup));
            long bad = mismatches + scenario.verify(pages);
            ServerStats stats = scenario.server().stats();
            long expectedServed = op.served() ? pages : 0;
            if (stats.faults() != expectedServed || stats.handlerFailures() != 0) {
                throw new IllegalStateException(what + ": the server handled " + stats.faults() + " faults (expected "
                        + expectedServed + ") with " + stats.handlerFailures() + " handler failures");
            }
            if (bad != 0) {
                throw new IllegalStateException(what + ": " + bad + " pages had wrong contents after the run; "
                        + "the resolution is broken, so its timing means nothing");
            }
            return RunResult.of(latencies, latencies.length, elapsed, bad, merged);
        }
    }

    /**
     * The faulting thread of a run: a new platform thread each time, like the C reference's new process,
     * so that neither side measures with a thread the scheduler has already charged for earlier work.
     */
    private static long onFreshThread(java.util.function.LongSupplier body) {
        long[] result = new long[1];
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().name("uffd4j-bench-faulting").start(() -> {
            try {
                result[0] = body.getAsLong();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the faulting thread ran", e);
        }
        if (failure[0] instanceof RuntimeException r) {
            throw r;
        }
        if (failure[0] instanceof Error err) {
            throw err;
        }
        if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
        return result[0];
    }

    /** The timed accesses of one run; returns the wall time of the measured (post-warm-up) faults. */
    private long timedAccesses(Operation op, GuardedMemory memory, int pages, int warmup) {
        mismatches = 0;
        long start = 0;
        for (int from = 0; from < pages; from += CHUNK) {
            if (from == warmup || (from < warmup && warmup < from + CHUNK)) {
                // Warm-up ends inside or at this chunk: split it so that the clock starts exactly there.
                accessChunk(op, memory, from, warmup);
                start = System.nanoTime();
                accessChunk(op, memory, warmup, Math.min(pages, from + CHUNK));
            } else {
                accessChunk(op, memory, from, Math.min(pages, from + CHUNK));
            }
        }
        return System.nanoTime() - start;
    }

    private void accessChunk(Operation op, GuardedMemory memory, int from, int to) {
        if (from >= to) {
            return;
        }
        if (op.writeAccess()) {
            timedStores(memory, from, to);
        } else {
            mismatches += timedLoads(memory, op, from, to);
        }
    }

    /** Loads the first word of pages [from, to); returns how many values differ from what the resolution must give. */
    private long timedLoads(GuardedMemory memory, Operation op, int from, int to) {
        int warmup = settings.warmupFaults();
        long[] lat = latencies;
        long bad = 0;
        for (int i = from; i < to; i++) {
            long offset = (long) i << Pages.SHIFT;
            long t0 = System.nanoTime();
            long v = memory.getLong(offset);
            long t1 = System.nanoTime();
            if (i >= warmup) {
                lat[i - warmup] = t1 - t0;
            }
            if (v != Pages.expectedLoad(op, i)) {
                bad++;
            }
        }
        return bad;
    }

    /** Stores into the first word of pages [from, to). */
    private void timedStores(GuardedMemory memory, int from, int to) {
        int warmup = settings.warmupFaults();
        long[] lat = latencies;
        for (int i = from; i < to; i++) {
            long offset = (long) i << Pages.SHIFT;
            long t0 = System.nanoTime();
            memory.setLong(offset, Pages.written(i));
            long t1 = System.nanoTime();
            if (i >= warmup) {
                lat[i - warmup] = t1 - t0;
            }
        }
    }

    /** The floor as a user without userfaultfd would write it: MemorySegment stores to fresh anonymous memory. */
    private RunResult runPlainSegment(Histogram merged) {
        int pages = settings.pagesPerRun();
        int warmup = settings.warmupFaults();
        try (Mapping region = Mapping.anonymous((long) pages * Pages.SIZE)) {
            region.advise(Advice.NOHUGEPAGE);
            MemorySegment s = region.segment();
            long elapsed = onFreshThread(() -> {
                segmentStores(s, 0, warmup);
                long start = System.nanoTime();
                for (int from = warmup; from < pages; from += CHUNK) {
                    segmentStores(s, from, Math.min(pages, from + CHUNK));
                }
                return System.nanoTime() - start;
            });
            return RunResult.of(latencies, latencies.length, elapsed, 0, merged);
        }
    }

    private void segmentStores(MemorySegment s, int from, int to) {
        int warmup = settings.warmupFaults();
        long[] lat = latencies;
        for (int i = from; i < to; i++) {
            long t0 = System.nanoTime();
            s.set(JAVA_LONG, (long) i << Pages.SHIFT, Pages.written(i));
            long t1 = System.nanoTime();
            if (i >= warmup) {
                lat[i - warmup] = t1 - t0;
            }
        }
    }
}
