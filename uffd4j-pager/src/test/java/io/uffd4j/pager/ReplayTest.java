package io.uffd4j.pager;

import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.Await;
import io.uffd4j.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REPLAY end to end: a first run records the order in which it touched pages; a restore with that
 * recording has exactly those pages filled in the background before anyone touches them, and every page
 * (recorded or not) reads right. (The order of the replay itself is checked in PrefetcherTest.)
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReplayTest {
    static final long PAGE = Verify.PAGE;

    @Test
    void aRecordedFirstTouchOrderIsPrefetchedOnRestore(@TempDir Path dir) throws Exception {
        long seed = Seeds.seed("ReplayTest");
        long size = 4L << 20;
        int pages = (int) (size / PAGE);
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < pages; p++) {
            all.add(p);
        }
        Collections.shuffle(all, new Random(seed));
        List<Integer> touched = all.subList(0, 100);
        Path recording = dir.resolve("first-touch.order");
        try (Pager pager = Pager.launch()) {
            try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed, size)).pager(pager)
                    .recordFirstTouch(recording).open()) {
                for (int p : touched) {
                    Verify.page(r.segment(), seed, size, p);
                }
                assertEquals(touched.size(), r.stats().demandFaults(), () -> "one fault per touched page: " + r.stats());
            }
            // The pager writes the recording when it closes the region, after close() returns.
            Await.until(() -> Files.exists(recording), Duration.ofSeconds(30), () -> "no recording at " + recording);
            assertEquals(touched, recorded(recording), "the recording is the order of the first touches (" + Seeds.rerun(seed) + ")");

            try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed, size)).pager(pager)
                    .replayFrom(recording).open()) {
                Await.until(() -> r.stats().prefetchedPages() >= touched.size(), Duration.ofSeconds(30),
                        () -> "the recorded pages were not prefetched: " + r.stats());
                RegionStats before = r.stats();
                assertEquals(touched.size(), before.prefetchedPages(), "the recorded pages and nothing else: " + before);
                assertEquals(touched.size(), before.residentPages(), before.toString());
                assertEquals(0, before.demandFaults(), before.toString());
                for (int p : touched) {
                    Verify.page(r.segment(), seed, size, p);
                }
                assertEquals(0, r.stats().demandFaults(), () -> "the recorded pages were there before the touch: " + r.stats());
                for (long p = 0; p < pages; p++) {
                    Verify.page(r.segment(), seed, size, p);
                }
                assertEquals(pages - touched.size(), r.stats().demandFaults(), () -> "the others on demand: " + r.stats());
            }
        }
    }

    /** The page indexes of a recording: a magic word, the page size, the count, then the pages. */
    private static List<Integer> recorded(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            in.readInt();
            assertEquals(PAGE, in.readLong());
            int n = in.readInt();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(in.readInt());
            }
            return order;
        }
    }
}
