package io.uffd4j.bench.snapshot;

import org.HdrHistogram.Histogram;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The application of the snapshot benchmark: one thread reading and writing random pages of a region
 * (write-heavy: every operation writes; read-heavy: 1 in 100 writes), the latency of every operation
 * recorded into a histogram for the phase it falls in (before the snapshot, during it). The same
 * workload as the C reference's worker. Optionally confined to a fraction of the pages (incremental
 * snapshots), and pausable for a stop-the-world copy.
 */
final class Workload implements AutoCloseable {
    static final long PAGE = 4096;
    static final long MAX_NANOS = 60_000_000_000L;

    enum Phase { WARM, BEFORE, DURING, IDLE }

    private final MemorySegment region;
    private final boolean writeHeavy;
    private final Thread thread;
    final Histogram before = new Histogram(1, MAX_NANOS, 3);
    final Histogram during = new Histogram(1, MAX_NANOS, 3);
    /** Writers hold it shared per operation; a stop-the-world copy takes it exclusively. */
    final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private volatile Phase phase = Phase.WARM;
    private volatile boolean stop;
    private volatile long pagesInUse;
    private volatile boolean gated;

    Workload(MemorySegment region, boolean writeHeavy) {
        this.region = region;
        this.writeHeavy = writeHeavy;
        this.pagesInUse = region.byteSize() / PAGE;
        this.thread = Thread.ofPlatform().name("bench-worker").start(this::run);
    }

    void phase(Phase p) {
        phase = p;
    }

    /** Confine the operations to the first {@code fraction} of the pages. */
    void confine(double fraction) {
        pagesInUse = Math.max(1, (long) (region.byteSize() / PAGE * fraction));
    }

    /** Make every operation take the gate's shared side (for the stop-the-world baseline). */
    void gated(boolean on) {
        gated = on;
    }

    private void run() {
        SplittableRandom rnd = new SplittableRandom(0x9E3779B97F4A7C15L);
        long n = 0;
        long sink = 0;
        while (!stop) {
            long r = rnd.nextLong();
            long page = Long.remainderUnsigned(r, pagesInUse);
            boolean write = writeHeavy || Long.remainderUnsigned(r >>> 40, 100) == 0;
            long offset = page * PAGE + ((r >>> 20) & 511) * 8;
            boolean g = gated;
            long t0 = System.nanoTime();
            if (g) {
                gate.readLock().lock();
            }
            if (write) {
                region.set(JAVA_LONG, offset, ++n);
            } else {
                sink += region.get(JAVA_LONG, offset);
            }
            if (g) {
                gate.readLock().unlock();
            }
            long d = System.nanoTime() - t0;
            Phase ph = phase;
            if (ph == Phase.BEFORE) {
                before.recordValue(Math.min(MAX_NANOS, Math.max(1, d)));
            } else if (ph == Phase.DURING) {
                during.recordValue(Math.min(MAX_NANOS, Math.max(1, d)));
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join();
    }
}
