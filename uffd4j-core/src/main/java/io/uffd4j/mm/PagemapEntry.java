package io.uffd4j.mm;

/**
 * One 64-bit entry of /proc/pid/pagemap (Documentation/admin-guide/mm/pagemap.rst).
 *
 * @param raw the entry as the kernel wrote it
 */
public record PagemapEntry(long raw) {
    public boolean present() {
        return (raw & (1L << 63)) != 0;
    }

    public boolean swapped() {
        return (raw & (1L << 62)) != 0;
    }

    /** File page or shared anonymous page. */
    public boolean fileOrShared() {
        return (raw & (1L << 61)) != 0;
    }

    /** Write-protected by userfaultfd (PM_UFFD_WP); cleared when a WP_ASYNC write dirties it. */
    public boolean uffdWriteProtected() {
        return (raw & (1L << 57)) != 0;
    }

    /** Mapped by this process only. */
    public boolean exclusive() {
        return (raw & (1L << 56)) != 0;
    }

    public boolean softDirty() {
        return (raw & (1L << 55)) != 0;
    }

    /** Page frame number (zero unless the reader has CAP_SYS_ADMIN). */
    public long pfn() {
        return present() ? raw & ((1L << 55) - 1) : 0;
    }
}
