package io.uffd4j.mm;

import java.util.EnumSet;
import java.util.Set;

/**
 * A PAGEMAP_SCAN request (Linux 6.7): find the pages of [start, end) with given categories and
 * optionally write-protect them in the same walk (the WP_ASYNC dirty-tracking cycle).
 *
 * @param start          first address (page aligned)
 * @param end            end address (exclusive)
 * @param require        categories a page must have
 * @param exclude        categories a page must not have
 * @param anyOf          at least one of these (empty: no condition)
 * @param report         categories reported in each region
 * @param writeProtect   PM_SCAN_WP_MATCHING: write-protect the matching pages
 * @param checkWpAsync   PM_SCAN_CHECK_WPASYNC: fail if a page is not in a WP_ASYNC range
 * @param maxPages       stop after this many pages (0: no limit)
 */
public record PagemapScan(long start, long end, Set<PageCategory> require, Set<PageCategory> exclude,
                          Set<PageCategory> anyOf, Set<PageCategory> report, boolean writeProtect,
                          boolean checkWpAsync, long maxPages) {
    public PagemapScan {
        require = Set.copyOf(require);
        exclude = Set.copyOf(exclude);
        anyOf = Set.copyOf(anyOf);
        report = Set.copyOf(report);
        if (end <= start) {
            throw new IllegalArgumentException("empty scan range [" + start + ", " + end + ")");
        }
    }

    /** Pages written since they were last write-protected, re-protecting them: one dirty-tracking round. */
    public static PagemapScan writtenAndReprotect(long start, long end) {
        return new PagemapScan(start, end, EnumSet.of(PageCategory.WRITTEN), Set.of(), Set.of(),
                EnumSet.of(PageCategory.WRITTEN), true, true, 0);
    }

    /** Pages written since they were last write-protected (no side effect). */
    public static PagemapScan written(long start, long end) {
        return new PagemapScan(start, end, EnumSet.of(PageCategory.WRITTEN), Set.of(), Set.of(),
                EnumSet.of(PageCategory.WRITTEN), false, false, 0);
    }

    /** Present pages. */
    public static PagemapScan present(long start, long end) {
        return new PagemapScan(start, end, EnumSet.of(PageCategory.PRESENT), Set.of(), Set.of(),
                EnumSet.of(PageCategory.PRESENT), false, false, 0);
    }

    long categoryMask() {
        return PageCategory.bits(require) | PageCategory.bits(exclude);
    }

    long categoryInverted() {
        return PageCategory.bits(exclude);
    }
}
