package io.uffd4j.selftest;

import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.RangeBusyException;
import io.uffd4j.mm.Pagemap;
import io.uffd4j.mm.PageCategory;
import io.uffd4j.mm.PagemapScan;

import java.util.EnumSet;
import java.util.Set;

/** Read-only questions about memory state that the tests assert on. */
public final class Probe {
    private Probe() {}

    /**
     * Whether any userfaultfd has [start, start + length) registered: a second descriptor's
     * registration of a registered range fails with EBUSY; otherwise it succeeds and is undone.
     */
    public static boolean registered(long start, long length) {
        try (Userfaultfd probe = Userfaultfd.open()) {
            try {
                probe.register(start, length, EnumSet.of(RegisterMode.MISSING));
            } catch (RangeBusyException e) {
                return true;
            }
            probe.unregister(start, length);
            return false;
        }
    }

    /** Whether the page holding {@code address} has a page table entry that maps a page. */
    public static boolean present(long address) {
        try (Pagemap pm = Pagemap.self()) {
            return pm.entry(address).present();
        }
    }

    /** Whether the page holding {@code address} is marked write-protected by userfaultfd (PM_UFFD_WP). */
    public static boolean uffdWriteProtected(long address) {
        try (Pagemap pm = Pagemap.self()) {
            return pm.entry(address).uffdWriteProtected();
        }
    }

    /** Raw pagemap entries of {@code pages} pages from {@code start}. */
    public static long[] pagemap(long start, int pages) {
        long[] out = new long[pages];
        try (Pagemap pm = Pagemap.self()) {
            pm.read(start, out, pages);
        }
        return out;
    }

    /** Bytes of [start, end) mapped by PMD-level (huge) page table entries, from PAGEMAP_SCAN. */
    public static long hugeMappedBytes(long start, long end) {
        try (Pagemap pm = Pagemap.self()) {
            return pm.scan(new PagemapScan(start, end, EnumSet.of(PageCategory.HUGE), Set.of(), Set.of(),
                    EnumSet.of(PageCategory.HUGE), false, false, 0)).bytes();
        }
    }

    /** Bytes of [start, end) that are present, from PAGEMAP_SCAN. */
    public static long presentBytes(long start, long end) {
        try (Pagemap pm = Pagemap.self()) {
            return pm.scan(PagemapScan.present(start, end)).bytes();
        }
    }
}
