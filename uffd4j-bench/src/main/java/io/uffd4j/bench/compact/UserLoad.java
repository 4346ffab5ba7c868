package io.uffd4j.bench.compact;

import io.uffd4j.compact.CompactingStore;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Users of the store while the benchmark runs: each thread reads random live records (and rewrites
 * one in ten in place with its own bytes), in bursts of 32 operations separated by a 20 us sleep, and
 * records every operation's latency in the histogram of the current phase (outside or during the
 * cycle).
 */
final class UserLoad implements AutoCloseable {
    static final int OUTSIDE = 0;
    static final int DURING = 1;
    static final int AFTER = 2;

    private final List<Thread> threads = new ArrayList<>();
    private final List<Histogram[]> histograms = new ArrayList<>();
    private final long[] phaseStart = new long[3];
    private final long[] phaseEnd = new long[3];
    private volatile int phase = OUTSIDE;
    private volatile boolean stop;
    private volatile Throwable failure;

    UserLoad(CompactingStore store, BenchWorkload w, int count, long seed) {
        phaseStart[OUTSIDE] = System.nanoTime();
        for (int t = 0; t < count; t++) {
            Histogram[] h = {new Histogram(10_000_000_000L, 3), new Histogram(10_000_000_000L, 3)};
            histograms.add(h);
            long s = seed * 31 + t;
            threads.add(Thread.ofPlatform().name("bench-user-" + t).start(() -> run(store, w, h, s)));
        }
    }

    private void run(CompactingStore store, BenchWorkload w, Histogram[] h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536, 8);
            while (!stop) {
                for (int i = 0; i < 32; i++) {
                    int k = r.nextInt(w.live.length);
                    int ph = phase;
                    long t0 = System.nanoTime();
                    int n = store.read(w.live[k], buf);
                    long t1 = System.nanoTime();
                    if (ph < AFTER) {
                        h[ph].recordValue(t1 - t0);
                    }
                    if (r.nextInt(10) == 0) {
                        store.update(w.live[k], buf.asSlice(0, n));
                        long t2 = System.nanoTime();
                        if (ph < AFTER) {
                            h[ph].recordValue(t2 - t1);
                        }
                    }
                }
                LockSupport.parkNanos(20_000);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    void phase(int p) {
        long now = System.nanoTime();
        phaseEnd[phase] = now;
        phaseStart[p] = now;
        phase = p;
    }

    /** Latency of a phase over all threads (valid after {@link #close()}). */
    BenchReport.Latency latency(int p) {
        Histogram all = new Histogram(10_000_000_000L, 3);
        for (Histogram[] h : histograms) {
            all.add(h[p]);
        }
        return new BenchReport.Latency(all.getTotalCount(), (phaseEnd[p] - phaseStart[p]) / 1e9,
                all.getValueAtPercentile(50), all.getValueAtPercentile(99), all.getValueAtPercentile(99.9),
                all.getMaxValue());
    }

    @Override
    public void close() throws InterruptedException {
        if (phase != AFTER) {
            phase(AFTER);
        }
        stop = true;
        for (Thread t : threads) {
            t.join();
        }
        if (failure != null) {
            throw new IllegalStateException("a benchmark user failed", failure);
        }
    }
}
