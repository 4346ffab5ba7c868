package io.uffd4j.selftest;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Page contents that identify the page they were written for. */
public final class Patterns {
    private Patterns() {}

    /** Word {@code word} of page {@code page} under {@code tag}. */
    public static long word(long tag, long page, long word) {
        return (tag << 48) ^ (page << 20) ^ word ^ 0x5A5A_0000_0000_0000L;
    }

    /** Fills page {@code page} of {@code pageSize} bytes at {@code offset} of {@code segment}. */
    public static void fill(MemorySegment segment, long offset, long pageSize, long tag, long page) {
        for (long w = 0; w < pageSize / 8; w++) {
            segment.set(JAVA_LONG, offset + w * 8, word(tag, page, w));
        }
    }

    /** A heap copy of what {@link #fill} writes. */
    public static byte[] page(long pageSize, long tag, long page) {
        MemorySegment s = MemorySegment.ofArray(new long[(int) (pageSize / 8)]);
        fill(s, 0, pageSize, tag, page);
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
