package io.uffd4j.cli;

import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.CompactionCycle;
import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.Strategy;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The compaction part of {@code ./uffd4j demo}: fill an off-heap store, free most records of most
 * chunks, then compact it with UFFDIO_MOVE while two reader threads keep reading and checking random
 * records; print the pause, the pages moved without a copy, the readers' latency and the memory given back.
 */
final class CompactionStory {
    private static final int READERS = 2;

    private CompactionStory() {}

    static boolean run(PrintStream out, int megabytes) throws InterruptedException {
        long region = (long) megabytes << 20;
        try (CompactingStore store = CompactingStore.open(StoreConfig.builder(region).strategy(Strategy.MOVE).build())) {
            SplittableRandom random = new SplittableRandom();
            List<RecordId> ids = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            while (store.stats().top() < region * 3 / 4) {
                byte[] data = new byte[16 + random.nextInt(2048)];
                random.nextBytes(data);
                ids.add(store.put(data));
                contents.add(data);
            }
            // Free 70% of the records in three chunks out of five; the other chunks stay dense (moved whole).
            int chunk = Math.max(1, ids.size() / 100);
            List<RecordId> liveIds = new ArrayList<>();
            List<byte[]> liveContents = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if ((i / chunk) % 5 < 3 && random.nextInt(10) < 7) {
                    store.free(ids.get(i));
                } else {
                    liveIds.add(ids.get(i));
                    liveContents.add(contents.get(i));
                }
            }
            long rssBefore = residentBytes();
            out.printf("store of %d MiB: %,d records put, %,d freed, %.0f%% of the allocated bytes are garbage%n",
                    megabytes, ids.size(), ids.size() - liveIds.size(), 100 * store.stats().fragmentation());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong wrong = new AtomicLong();
            Histogram during = new Histogram(3_600_000_000L, 2);
            AtomicBoolean inCycle = new AtomicBoolean();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < READERS; t++) {
                long seed = random.nextLong();
                readers.add(Thread.ofPlatform().name("demo-reader-" + t).start(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    byte[] buf = new byte[4096];
                    Histogram mine = new Histogram(3_600_000_000L, 2);
                    while (!stop.get()) {
                        int k = r.nextInt(liveIds.size());
                        boolean counted = inCycle.get();
                        long t0 = System.nanoTime();
                        int n = store.read(liveIds.get(k), buf);
                        long dt = System.nanoTime() - t0;
                        if (counted) {
                            mine.recordValue(dt);
                        }
                        if (!Arrays.equals(buf, 0, n, liveContents.get(k), 0, liveContents.get(k).length)) {
                            wrong.incrementAndGet();
                        }
                    }
                    synchronized (during) {
                        during.add(mine);
                    }
                }));
            }
            Thread.sleep(100);
            inCycle.set(true);
            CompactionCycle cycle = store.startCompaction();
            CycleReport r = cycle.await();
            inCycle.set(false);
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            long rssAfter = residentBytes();
            out.printf("compacted with UFFDIO_MOVE while %d threads read: pause %.2f ms, pages produced in %.1f ms "
                            + "(%d by the compaction thread, %d by readers that needed them first, %d on a fault)%n",
                    READERS, r.pause().totalNanos() / 1e6, r.timing().compactionNanos() / 1e6, r.pages().byCompactors(),
                    r.pages().byUsers(), r.pages().onFault());
            out.printf("%,d of %,d pages moved whole without being read, %,d built into recycled pages: %,d page "
                            + "allocations avoided%n", r.pages().keptMoved(), r.layout().toPages(), r.pages().recycled(),
                    r.pages().allocationsAvoided());
            out.printf("reads during the cycle: %,d, p50 %.1f us, p99 %.1f us, max %.1f us; wrong contents: %d%n",
                    during.getTotalCount(), during.getValueAtPercentile(50) / 1e3,
                    during.getValueAtPercentile(99) / 1e3, during.getMaxValue() / 1e3, wrong.get());
            out.printf("resident memory %.0f MiB -> %.0f MiB (%.0f MiB reclaimed by the cycle)%n",
                    rssBefore / 1048576.0, rssAfter / 1048576.0, r.layout().reclaimedBytes() / 1048576.0);
            long bad = 0;
            byte[] buf = new byte[4096];
            for (int i = 0; i < liveIds.size(); i++) {
                int n = store.read(liveIds.get(i), buf);
                if (!Arrays.equals(buf, 0, n, liveContents.get(i), 0, liveContents.get(i).length)) {
                    bad++;
                }
            }
            out.println(bad == 0 && wrong.get() == 0 && r.completed()
                    ? "every one of the " + liveIds.size() + " live records reads back intact"
                    : "FAIL: " + bad + " records differ after the cycle, " + wrong.get() + " reads saw wrong contents");
            return bad == 0 && wrong.get() == 0 && r.completed();
        }
    }

    private static long residentBytes() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(statm[1]) * io.uffd4j.mm.PageSizes.base();
        } catch (IOException e) {
            return -1;
        }
    }
}
