package io.uffd4j.compact;

import io.uffd4j.mm.Pagemap;
import io.uffd4j.mm.PagemapEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory really goes back to the kernel after a cycle: the region's present pages (pagemap) drop to
 * the compacted size, and the process's resident set (statm) drops by about the bytes reclaimed.
 */
class MemoryReturnTest {
    static final long PAGE = 4096;

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void residentMemoryShrinks(Strategy strategy) throws Exception {
        StoreConfig config = StoreConfig.builder(48L << 20).strategy(strategy).build();
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            List<RecordId> ids = new ArrayList<>();
            for (int i = 0; i < 60_000; i++) {
                int len = 100 + (i * 131) % 900;
                Content.fill(buf, i, 0, len);
                ids.add(store.put(buf.asSlice(0, len)));
            }
            for (int i = 0; i < ids.size(); i++) {
                if (i % 4 != 0) {
                    store.free(ids.get(i));
                }
            }
            long top = store.stats().top();
            long presentBefore = presentPages(store, top);
            System.gc();
            long rssBefore = residentBytes();
            CycleReport r = store.compact();
            System.gc();
            long rssAfter = residentBytes();
            long presentAfter = presentPages(store, top);
            System.out.printf("%s: region present pages %d -> %d (to-space %d pages), RSS %.1f -> %.1f MiB, reclaimed %.1f MiB%n",
                    strategy, presentBefore, presentAfter, r.layout().toPages(), rssBefore / 1048576.0, rssAfter / 1048576.0,
                    r.layout().reclaimedBytes() / 1048576.0);
            assertEquals((top + PAGE - 1) / PAGE, presentBefore, "every allocated page was present before");
            assertEquals(r.layout().toPages(), presentAfter, "only the compacted pages are present after");
            assertTrue(rssBefore - rssAfter > 0.6 * r.layout().reclaimedBytes(),
                    "RSS dropped by most of the reclaimed bytes: " + rssBefore + " -> " + rssAfter);
            for (int i = 0; i < ids.size(); i += 4) {
                int n = store.read(ids.get(i), buf);
                assertEquals(-1, Content.check(buf, i, 0, n));
            }
        }
    }

    static long presentPages(CompactingStore store, long bytes) {
        int pages = (int) ((bytes + PAGE - 1) / PAGE);
        long[] raw = new long[pages];
        try (Pagemap pm = Pagemap.self()) {
            pm.read(store.regionAddress(), raw, pages);
        }
        long n = 0;
        for (long e : raw) {
            if (new PagemapEntry(e).present()) {
                n++;
            }
        }
        return n;
    }

    /** Resident set size from /proc/self/statm (includes shmem pages mapped by this process). */
    static long residentBytes() throws IOException {
        String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(f[1]) * PAGE;
    }
}
