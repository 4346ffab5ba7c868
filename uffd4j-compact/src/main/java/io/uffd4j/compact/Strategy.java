package io.uffd4j.compact;

/**
 * How a compaction cycle produces the pages of the compacted region (the to-space).
 */
public enum Strategy {
    /**
     * Compact each page into a private buffer and UFFDIO_COPY it in: the kernel allocates a fresh
     * page and copies; pages whose records do not move are still copied.
     */
    COPY,
    /**
     * Compact each page into a from-space page whose records were all consumed already (recycled)
     * and UFFDIO_MOVE it in; pages whose contents stay as they are move without being read. Needs
     * Linux 6.8 (UFFD_FEATURE_MOVE).
     */
    MOVE,
    /**
     * The region is a memfd mapped twice: compact into the page cache through the second view, then
     * UFFDIO_CONTINUE maps the page (MISSING and MINOR faults). Needs Linux 5.14 (MINOR_SHMEM).
     */
    CONTINUE,
    /**
     * Measures COPY and MOVE while it runs and uses the faster one for each kind of page (pages that
     * keep their contents, compacted pages, pages produced on a fault). Needs UFFD_FEATURE_MOVE.
     */
    ADAPTIVE,
    /**
     * The baseline without userfaultfd: the whole compaction runs inside the pause, in place (each
     * page assembled and copied down in address order), and the freed tail is given back with
     * MADV_DONTNEED. Users wait for all of it.
     */
    STOP_THE_WORLD;

    /** Whether this strategy works on private anonymous memory (all but CONTINUE). */
    public boolean anonymous() {
        return this != CONTINUE;
    }

    /** Whether users keep running while pages are produced (all but STOP_THE_WORLD). */
    public boolean concurrent() {
        return this != STOP_THE_WORLD;
    }
}
