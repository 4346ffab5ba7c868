package io.uffd4j.pager.server;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Writes pages of a shared memfd region into the page cache through the pager's own mapping, before
 * they are mapped with CONTINUE. A journal (a small memfd shared with the application side) names the
 * run being written, so that a pager that dies half way is followed by one that rewrites it before
 * anything maps it.
 */
final class PageCacheWriter {
    private static final System.Logger LOG = System.getLogger(PageCacheWriter.class.getName());

    private final long id;
    private final MemorySegment view;
    private final MemorySegment journal;
    private final PageReader reader;
    private final long pageSize;
    private final long pages;

    PageCacheWriter(long id, MemorySegment view, MemorySegment journal, PageReader reader, long pageSize, long pages) {
        this.id = id;
        this.view = view;
        this.journal = journal;
        this.reader = reader;
        this.pageSize = pageSize;
        this.pages = pages;
    }

    /**
     * Writes [page, page + n), which are not in the page cache (so not mapped anywhere); false with the
     * reader's last failure set if the source failed (a partly written run stays unmapped and is
     * rewritten by the next attempt).
     */
    boolean write(long page, long n) {
        long off = page * pageSize;
        long len = n * pageSize;
        journalSet(page, n);
        try {
            return reader.readInto(off, len, view, off);
        } finally {
            journalClear();
        }
    }

    /** Rewrites the run a previous pager was writing when it stopped, if any. */
    void finishInterruptedRun() {
        if (journal == null) {
            return;
        }
        long count = (long) JAVA_LONG.varHandle().getVolatile(journal, 8L);
        long start = (long) JAVA_LONG.varHandle().getVolatile(journal, 0L);
        if (count > 0 && start >= 0 && start + count <= pages) {
            LOG.log(System.Logger.Level.INFO, "region " + id + ": rewriting " + count + " page(s) at page " + start
                    + " that the previous pager was writing when it stopped");
            for (long p = start; p < start + count; p++) {
                if (!write(p, 1)) {
                    LOG.log(System.Logger.Level.ERROR, "region " + id + ": could not rewrite page " + p + ": " + reader.lastFailure());
                }
            }
            journalClear();
        }
    }

    private void journalSet(long page, long n) {
        if (journal != null) {
            JAVA_LONG.varHandle().setVolatile(journal, 0L, page);
            JAVA_LONG.varHandle().setVolatile(journal, 8L, n);
        }
    }

    private void journalClear() {
        if (journal != null) {
            JAVA_LONG.varHandle().setVolatile(journal, 8L, 0L);
        }
    }
}
