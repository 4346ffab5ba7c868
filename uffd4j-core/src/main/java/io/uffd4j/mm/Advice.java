package io.uffd4j.mm;

/** madvise(2) advice values uffd4j uses. */
public enum Advice {
    /** Expect access soon. */
    WILLNEED(3),
    /** Drop the pages: private anonymous memory reads back as missing (a uffd MISSING fault) or zeros. */
    DONTNEED(4),
    /** Free lazily: the kernel may reclaim the pages under memory pressure. */
    FREE(8),
    /** Free the pages and their backing store (shmem, memfd, hugetlbfs). */
    REMOVE(9),
    /** Do not share the range with a forked child (UFFDIO_MOVE sources need exclusive pages). */
    DONTFORK(10),
    DOFORK(11),
    /** Back the range with transparent huge pages where possible. */
    HUGEPAGE(14),
    NOHUGEPAGE(15),
    COLD(20),
    PAGEOUT(21),
    /** Fault the pages in for reading without touching them from this thread (Linux 5.14). */
    POPULATE_READ(22),
    /** Fault the pages in writable (Linux 5.14). */
    POPULATE_WRITE(23);

    private final int value;

    Advice(int value) {
        this.value = value;
    }

    /** The MADV_* constant. */
    public int value() {
        return value;
    }
}
