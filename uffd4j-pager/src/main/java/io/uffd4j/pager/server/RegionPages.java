package io.uffd4j.pager.server;

import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.serve.ServedRange;
import io.uffd4j.serve.ServerStats;

/**
 * Which pages of a served region are filled or dropped, where the region is now, and its counters.
 * Written by the region's server thread only; counters are volatile so that stats read them.
 */
final class RegionPages {
    final long length;
    final long pageSize;
    final long pages;
    final PageBitmap filled;
    final PageBitmap dropped;
    private final long startNanos = System.nanoTime();
    /** Where the region is now (it moves with the application's mremap). */
    private ServedRange range;

    volatile long demandFaults;
    volatile long minorFaults;
    volatile long zeroFaults;
    volatile long prefetched;
    volatile long alreadyPresent;
    volatile long removedPages;
    volatile long readFailures;
    volatile long resident;
    volatile long fullyResidentAfter = -1;
    /** The application's address space is gone (it exited or exec'd): nothing can fault again. */
    volatile boolean gone;

    RegionPages(long start, long length, long pageSize) {
        this.length = length;
        this.pageSize = pageSize;
        this.pages = length / pageSize;
        this.filled = new PageBitmap(pages);
        this.dropped = new PageBitmap(pages);
        this.range = new ServedRange(start, length, pageSize, true);
    }

    long base() {
        return range.start();
    }

    ServedRange range() {
        return range;
    }

    /** For the fault loop: the region if it holds {@code address}, else null. */
    ServedRange find(long address) {
        ServedRange r = range;
        return r.contains(address) ? r : null;
    }

    void movedTo(long newBase) {
        range = new ServedRange(newBase, length, pageSize, true);
    }

    void markFilled(long page, long n, boolean background) {
        filled.setRange(page, n);
        resident = filled.count();
        if (background) {
            prefetched += n;
        }
    }

    /** EEXIST: the page was there already. */
    void present(long page) {
        alreadyPresent++;
        if (!filled.get(page)) {
            filled.set(page);
            resident = filled.count();
        }
    }

    /** Background fill found nothing left to do. */
    void noteFullyResidentIfDone() {
        if (fullyResidentAfter < 0 && filled.nextClearInBoth(0, dropped) < 0) {
            fullyResidentAfter = System.nanoTime() - startNanos;
        }
    }

    /** The application dropped [start, end): those pages must be served again on their next touch, not refilled now. */
    void forget(long start, long end) {
        long base = base();
        long s = Math.max(start, base);
        long e = Math.min(end, base + length);
        if (e <= s) {
            return;
        }
        long first = (s - base + pageSize - 1) / pageSize;
        long last = (e - base) / pageSize;
        for (long p = first; p < last; p++) {
            if (filled.get(p)) {
                removedPages++;
            }
            filled.clear(p);
            dropped.set(p);
        }
        resident = filled.count();
        fullyResidentAfter = -1;
    }

    RegionStats stats(ServerStats loop) {
        var t = loop.serviceTime();
        return new RegionStats(pages, resident, demandFaults, minorFaults, zeroFaults, prefetched, alreadyPresent,
                removedPages, loop.events(), readFailures, loop.poisoned(), t.p50(), t.p99(), t.max(), fullyResidentAfter, 0);
    }
}
