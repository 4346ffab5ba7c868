package io.uffd4j.mm;

import io.uffd4j.internal.ffm.Abi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** A reusable native array of page_region records for {@link Pagemap#scan(PagemapScan, PageRegionBuffer)}. */
public final class PageRegionBuffer implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment vec;
    private final int capacity;
    private int count;
    private long walkEnd;

    public PageRegionBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.vec = arena.allocate((long) capacity * Abi.PAGE_REGION_SIZE, 8);
    }

    long address() {
        return vec.address();
    }

    public int capacity() {
        return capacity;
    }

    void set(int count, long walkEnd) {
        this.count = count;
        this.walkEnd = walkEnd;
    }

    public int count() {
        return count;
    }

    /** Where the last scan stopped. */
    public long walkEnd() {
        return walkEnd;
    }

    public long start(int i) {
        return vec.get(JAVA_LONG, check(i) * (long) Abi.PAGE_REGION_SIZE);
    }

    public long end(int i) {
        return vec.get(JAVA_LONG, check(i) * (long) Abi.PAGE_REGION_SIZE + 8);
    }

    public boolean has(int i, PageCategory category) {
        return (vec.get(JAVA_LONG, check(i) * (long) Abi.PAGE_REGION_SIZE + 16) & category.bit()) != 0;
    }

    public PageRegion region(int i) {
        long cats = vec.get(JAVA_LONG, check(i) * (long) Abi.PAGE_REGION_SIZE + 16);
        return new PageRegion(start(i), end(i), PageCategory.fromBits(cats));
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("region " + i + " of " + count);
        }
        return i;
    }

    @Override
    public void close() {
        arena.close();
    }
}
