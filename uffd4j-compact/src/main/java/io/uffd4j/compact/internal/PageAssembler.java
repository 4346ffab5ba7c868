package io.uffd4j.compact.internal;

import java.lang.foreign.MemorySegment;

/**
 * Assembles a built to-space page: zeros, then every piece of a record that falls in the page, read
 * at its old offset. Remembers which from-space pages it read (for MOVE recycling) and how many bytes.
 * One per thread; allocates nothing per page.
 */
final class PageAssembler {
    private final int[] sources;
    private int sourceCount;
    long bytesRead;

    PageAssembler(long pageSize) {
        // A page holds at most pageSize/8 records (8-byte allocations), each read from at most 2 pages.
        this.sources = new int[(int) (pageSize / 4) + 4];
    }

    /**
     * Writes to-space page {@code p} of {@code plan} into {@code dst} at {@code dstOffset}, reading
     * records from {@code from} (indexed by old offset).
     */
    void assemble(Plan plan, int p, MemorySegment from, MemorySegment dst, long dstOffset) {
        int shift = plan.pageShift;
        long page = plan.pageSize;
        long pageStart = (long) p << shift;
        long pageEnd = pageStart + page;
        dst.asSlice(dstOffset, page).fill((byte) 0);
        sourceCount = 0;
        int last = -1;
        int n = plan.count;
        long[] newOffset = plan.newOffset;
        long[] oldOffset = plan.oldOffset;
        int[] length = plan.length;
        for (int i = plan.firstRecord[p]; i < n; i++) {
            long no = newOffset[i];
            if (no >= pageEnd) {
                break;
            }
            long s = Math.max(no, pageStart);
            long e = Math.min(no + length[i], pageEnd);
            if (s >= e) {
                continue;
            }
            long at = oldOffset[i] + (s - no);
            MemorySegment.copy(from, at, dst, dstOffset + (s - pageStart), e - s);
            bytesRead += e - s;
            int q1 = (int) ((at + (e - s) - 1) >>> shift);
            for (int q = Math.max((int) (at >>> shift), last + 1); q <= q1; q++) {
                sources[sourceCount++] = q;
                last = q;
            }
        }
    }

    int[] sources() {
        return sources;
    }

    int sourceCount() {
        return sourceCount;
    }
}
