package io.uffd4j.pager;

import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.GcStorm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Child-JVM workload for {@link GcStormTest}: THREADS threads read and write a lazy region directly
 * through MemorySegment (plain Java code, faults taken "in Java"), each visiting every page in its own
 * order so that they race on the same pages, while another thread allocates and calls System.gc() in a
 * loop. Then every word of every page is verified. Prints progress lines and "OK ..." at the end.
 */
public final class GcStormWorkload {
    public static void main(String[] args) throws Exception {
        long size = Long.parseLong(args[0]);
        int threads = Integer.parseInt(args[1]);
        Prefetch prefetch = Prefetch.valueOf(args[2]);
        long seed = Long.parseLong(args[3]);
        long pages = size / PAGE;
        System.out.println("seed=" + seed + " size=" + size + " threads=" + threads + " prefetch=" + prefetch);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong visited = new AtomicLong();
        GcStorm gcs = new GcStorm().start();
        Thread progress = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                System.out.println("progress visited=" + visited.get() + " gcs=" + gcs.collections());
            }
        });
        try (Pager pager = Pager.launch();
             LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed, size)).prefetch(prefetch).pager(pager).open()) {
            MemorySegment m = r.segment();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> workers = new ArrayList<>();
            long stride = 7919; // prime, coprime with the page count (a power of two)
            for (int t = 0; t < threads; t++) {
                int me = t;
                workers.add(Thread.ofPlatform().name("app-" + t).start(() -> {
                    try {
                        long start = me * (pages / threads);
                        for (long i = 0; i < pages; i++) {
                            long page = (start + i * stride) % pages;
                            long o = page * PAGE + 8L * (16 + me);
                            long got = m.get(JAVA_LONG, o);
                            if (got != Verify.expected(seed, size, o)) {
                                throw new AssertionError("thread " + me + ": wrong word at " + o + " (seed " + seed + ")");
                            }
                            m.set(JAVA_LONG, page * PAGE + 8L * me, ~(page * 64 + me));
                            visited.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            if (!errors.isEmpty()) {
                throw new AssertionError("workers failed: " + errors);
            }
            for (long page = 0; page < pages; page++) {
                for (int w = 0; w < 512; w++) {
                    long o = page * PAGE + 8L * w;
                    long want = w < threads ? ~(page * 64 + w) : Verify.expected(seed, size, o);
                    long got = m.get(JAVA_LONG, o);
                    if (got != want) {
                        throw new AssertionError("page " + page + " word " + w + ": " + Long.toHexString(got)
                                + ", want " + Long.toHexString(want) + " (seed " + seed + ")");
                    }
                }
                if ((page & 0xffff) == 0) {
                    System.out.println("progress verified page " + page);
                }
            }
            RegionStats s = r.stats();
            stop.set(true);
            gcs.close();
            progress.interrupt();
            if (s.poisonedPages() != 0 || !r.failures().isEmpty()) {
                throw new AssertionError("failures: " + r.failures() + " " + s);
            }
            System.out.println("OK pages=" + pages + " visits=" + visited.get() + " gcs=" + gcs.collections() + " " + s);
        }
    }
}
