package io.uffd4j.pager.server;

/** One bit per page, with a population count; single-threaded (the region's server thread). */
final class PageBitmap {
    private final long[] words;
    private final long pages;
    private long count;

    PageBitmap(long pages) {
        this.pages = pages;
        this.words = new long[(int) ((pages + 63) >>> 6)];
    }

    boolean get(long page) {
        return (words[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    void set(long page) {
        int i = (int) (page >>> 6);
        long bit = 1L << page;
        if ((words[i] & bit) == 0) {
            words[i] |= bit;
            count++;
        }
    }

    void clear(long page) {
        int i = (int) (page >>> 6);
        long bit = 1L << page;
        if ((words[i] & bit) != 0) {
            words[i] &= ~bit;
            count--;
        }
    }

    void setRange(long from, long n) {
        for (long p = from; p < from + n; p++) {
            set(p);
        }
    }

    void clearRange(long from, long n) {
        for (long p = from; p < from + n; p++) {
            clear(p);
        }
    }

    long count() {
        return count;
    }

    long pages() {
        return pages;
    }

    /** The first page >= from whose bit is clear in both this and {@code other}, or -1. */
    long nextClearInBoth(long from, PageBitmap other) {
        if (from >= pages) {
            return -1;
        }
        int i = (int) (from >>> 6);
        long w = ~(words[i] | other.words[i]) & (-1L << from);
        while (true) {
            if (w != 0) {
                long p = ((long) i << 6) + Long.numberOfTrailingZeros(w);
                return p < pages ? p : -1;
            }
            if (++i >= words.length) {
                return -1;
            }
            w = ~(words[i] | other.words[i]);
        }
    }
}
