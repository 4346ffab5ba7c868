package io.uffd4j.mm;

import java.util.Set;

/** A run of pages with the same categories, as PAGEMAP_SCAN reports it. */
public record PageRegion(long start, long end, Set<PageCategory> categories) {
    public PageRegion {
        categories = Set.copyOf(categories);
    }

    public long length() {
        return end - start;
    }
}
