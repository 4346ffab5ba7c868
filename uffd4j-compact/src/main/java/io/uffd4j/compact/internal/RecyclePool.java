package io.uffd4j.compact.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The from-space pages MOVE may reuse (all their readers are installed), as a bitmap, so that a
 * compaction thread can take a run of contiguous pages and move a whole run of built pages in with one
 * UFFDIO_MOVE: the kernel then flushes the TLB once per run instead of once per page, which is what
 * decides whether MOVE beats COPY in a multi-threaded process. Sliding compaction consumes the
 * from-space roughly in address order, so contiguous runs form behind the compaction threads.
 *
 * <p>Lock-free: a page is added by setting its bit and taken by clearing it with a CAS, so it is
 * handed out once. Runs never cross a 64-page word. Allocates nothing.
 */
final class RecyclePool {
    private final AtomicLongArray bits;
    private final int pages;
    private final AtomicInteger hint = new AtomicInteger();
    private final AtomicInteger size = new AtomicInteger();

    RecyclePool(int pages) {
        this.pages = pages;
        this.bits = new AtomicLongArray(Math.max(1, (pages + 63) >>> 6));
    }

    void add(int page) {
        int w = page >>> 6;
        long bit = 1L << (page & 63);
        long old;
        do {
            old = bits.get(w);
            if ((old & bit) != 0) {
                throw new IllegalStateException("from-space page " + page + " recycled twice");
            }
        } while (!bits.compareAndSet(w, old, old | bit));
        size.incrementAndGet();
        if (w < hint.get()) {
            hint.set(w); // racy but only a search start
        }
    }

    int size() {
        return size.get();
    }

    /**
     * Takes a run of at most {@code max} (1..64) contiguous pages: the first run of {@code max} found
     * from the lowest words with pages, else the longest run seen. Returns {@code start << 32 | length},
     * or 0 if the pool is empty.
     */
    long takeRun(int max) {
        int words = bits.length();
        for (int attempt = 0; attempt < 4; attempt++) {
            int bestWord = -1;
            long bestMask = 0;
            int bestStart = 0;
            int bestLen = 0;
            int first = Math.min(hint.get(), words - 1);
            boolean seenAny = false;
            for (int i = 0; i < words; i++) {
                int w = first + i < words ? first + i : first + i - words;
                long v = bits.get(w);
                if (v == 0) {
                    continue;
                }
                if (!seenAny) {
                    seenAny = true;
                    hint.set(w);
                }
                // Longest run of set bits in v, scanning runs from the low bit.
                long rest = v;
                while (rest != 0) {
                    int start = Long.numberOfTrailingZeros(rest);
                    int len = Long.numberOfTrailingZeros(~(rest >>> start));
                    if (start + len > 64) {
                        len = 64 - start;
                    }
                    int take = Math.min(len, max);
                    if (take > bestLen) {
                        bestLen = take;
                        bestStart = start;
                        bestWord = w;
                        bestMask = take == 64 ? -1L : ((1L << take) - 1) << start;
                    }
                    if (bestLen == max) {
                        break;
                    }
                    rest &= start + len >= 64 ? 0 : -1L << (start + len);
                }
                if (bestLen == max || i >= 16 && bestLen > 0) {
                    break; // good enough: do not scan the whole bitmap for a longer run
                }
            }
            if (bestLen == 0) {
                return 0;
            }
            long v = bits.get(bestWord);
            if ((v & bestMask) == bestMask && bits.compareAndSet(bestWord, v, v & ~bestMask)) {
                size.addAndGet(-bestLen);
                return ((long) ((bestWord << 6) + bestStart) << 32) | bestLen;
            }
        }
        return 0; // contended: the caller copies instead
    }

    static int start(long run) {
        return (int) (run >>> 32);
    }

    static int length(long run) {
        return (int) run;
    }
}
