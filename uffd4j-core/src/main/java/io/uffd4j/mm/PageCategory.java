package io.uffd4j.mm;

import java.util.EnumSet;
import java.util.Set;

/** PAGEMAP_SCAN categories (PAGE_IS_*), in bit order. */
public enum PageCategory {
    /** userfaultfd write-protect is possible (range registered with WP and WP_ASYNC). */
    WPALLOWED,
    /** Written since it was last write-protected (the uffd-wp bit is clear). */
    WRITTEN,
    FILE,
    PRESENT,
    SWAPPED,
    PFNZERO,
    HUGE,
    SOFT_DIRTY;

    long bit() {
        return 1L << ordinal();
    }

    static long bits(Set<PageCategory> s) {
        long b = 0;
        for (PageCategory c : s) {
            b |= c.bit();
        }
        return b;
    }

    static Set<PageCategory> fromBits(long bits) {
        EnumSet<PageCategory> s = EnumSet.noneOf(PageCategory.class);
        for (PageCategory c : values()) {
            if ((bits & c.bit()) != 0) {
                s.add(c);
            }
        }
        return s;
    }
}
