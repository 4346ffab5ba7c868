package io.uffd4j.compact;

import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Memory;
import io.uffd4j.mm.Pagemap;
import io.uffd4j.mm.PagemapEntry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coarse page-level compaction (pageKeepThreshold 0): pages holding live data slide down whole and
 * pages holding only garbage are reclaimed. With MOVE the compactor never reads a record: each
 * compacted page is the very same physical page as before (pagemap PFN, visible to root), and a page
 * that was swapped out would stay swapped out (run only when swap is configured).
 */
class PageLevelCompactionTest {
    static final long PAGE = 4096;

    /** Fills ~2000 pages with 512-byte records and frees every record of two pages out of three. */
    static List<RecordId> fragment(CompactingStore store, MemorySegment buf) {
        List<RecordId> ids = new ArrayList<>();
        for (int i = 0; i < 2000 * 8; i++) {
            Content.fill(buf, i, 0, 512);
            ids.add(store.put(buf.asSlice(0, 512)));
        }
        for (int i = 0; i < ids.size(); i++) {
            if ((i / 8) % 3 != 0) {
                store.free(ids.get(i));
            }
        }
        return ids;
    }

    static SortedSet<Long> livePages(CompactingStore store) {
        SortedSet<Long> pages = new TreeSet<>();
        for (RecordLocation loc : store.layout()) {
            for (long o = loc.offset(); o < loc.offset() + Math.max(1, loc.length()); o += PAGE) {
                pages.add(o / PAGE);
            }
            pages.add((loc.offset() + Math.max(1, loc.length()) - 1) / PAGE);
        }
        return pages;
    }

    static long[] pagemap(long address, int pages) {
        long[] raw = new long[pages];
        try (Pagemap pm = Pagemap.self()) {
            pm.read(address, raw, pages);
        }
        return raw;
    }

    @Test
    void moveSlidesLivePagesWithoutReadingThem() throws Exception {
        StoreConfig config = StoreConfig.builder(32L << 20).strategy(Strategy.MOVE).pageLevel().build();
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            List<RecordId> ids = fragment(store, buf);
            SortedSet<Long> live = livePages(store);
            long[] before = pagemap(store.regionAddress(), 2000);
            CycleReport r = store.compact();
            long[] after = pagemap(store.regionAddress(), r.layout().toPages());
            System.out.println("MOVE page-level: " + r.layout().toPages() + " pages kept of " + (r.layout().oldTop() / PAGE)
                    + ", from-space bytes read " + r.layout().fromSpaceBytesRead() + ", " + r.pages());
            assertEquals(live.size(), r.layout().toPages(), "one to-space page per page with live data");
            assertEquals(r.layout().toPages(), r.layout().keptPages());
            assertEquals(0, r.layout().fromSpaceBytesRead(), "the compactor read nothing");
            assertEquals(r.layout().toPages(), r.pages().keptMoved(), "every page was moved, none copied");
            assertEquals(0, r.pages().allocated());
            boolean pfnVisible = new PagemapEntry(before[0]).pfn() != 0;
            if (pfnVisible) {
                int p = 0;
                for (long q : live) {
                    assertEquals(new PagemapEntry(before[(int) q]).pfn(), new PagemapEntry(after[p]).pfn(),
                            "to-space page " + p + " is the same physical page as from-space page " + q);
                    p++;
                }
            } else {
                System.out.println("PFNs are hidden from this process (needs CAP_SYS_ADMIN): physical identity not checked");
            }
            for (int i = 0; i < ids.size(); i++) {
                if ((i / 8) % 3 == 0) {
                    int n = store.read(ids.get(i), buf);
                    assertEquals(-1, Content.check(buf, i, 0, n));
                }
            }
        }
    }

    @Test
    void copyHasToReadEveryPage() throws Exception {
        StoreConfig config = StoreConfig.builder(32L << 20).strategy(Strategy.COPY).pageLevel().build();
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            fragment(store, buf);
            long[] before = pagemap(store.regionAddress(), 2000);
            long firstLive = livePages(store).first();
            CycleReport r = store.compact();
            long[] after = pagemap(store.regionAddress(), r.layout().toPages());
            assertEquals(r.layout().toPages(), r.pages().keptCopied(), "COPY copies kept pages (the kernel reads them)");
            if (new PagemapEntry(before[0]).pfn() != 0) {
                assertNotEquals(new PagemapEntry(before[(int) firstLive]).pfn(), new PagemapEntry(after[0]).pfn(),
                        "COPY installs a new physical page");
            }
        }
    }

    @Test
    void swappedOutPagesStaySwappedOut() throws Exception {
        boolean swap = Files.readAllLines(Path.of("/proc/swaps")).size() > 1;
        Assumptions.assumeTrue(swap, "no swap device on this machine: MADV_PAGEOUT cannot swap anonymous pages out");
        StoreConfig config = StoreConfig.builder(32L << 20).strategy(Strategy.MOVE).pageLevel().build();
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            List<RecordId> ids = fragment(store, buf);
            long top = store.stats().top();
            Memory.madvise(store.regionAddress(), (top + PAGE - 1) / PAGE * PAGE, Advice.PAGEOUT);
            long[] before = pagemap(store.regionAddress(), 2000);
            long swappedBefore = java.util.Arrays.stream(before).filter(e -> new PagemapEntry(e).swapped()).count();
            Assumptions.assumeTrue(swappedBefore > 100, "the kernel swapped out only " + swappedBefore + " pages");
            CycleReport r = store.compact();
            long[] after = pagemap(store.regionAddress(), r.layout().toPages());
            long swappedAfter = java.util.Arrays.stream(after).filter(e -> new PagemapEntry(e).swapped()).count();
            System.out.println("swapped pages: " + swappedBefore + " before, " + swappedAfter + " after MOVE");
            assertTrue(swappedAfter >= swappedBefore * 0.9, "MOVE moved swap entries without swapping the pages in");
            for (int i = 0; i < ids.size(); i += 24) {
                assertEquals(-1, Content.check(buf, i, 0, store.read(ids.get(i), buf)));
            }
        }
    }
}
