package io.uffd4j.cli;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The demo's page contents: every 8-byte word holds "UFFD" in its high half and its own word index in
 * the region in its low half, so a page in the wrong place or a stale page is recognised at once.
 */
final class PagePattern {
    private PagePattern() {}

    static final long TAG = 0x5546_4644_0000_0000L;

    static long word(long pageIndex, long wordsPerPage, long wordIndex) {
        return TAG | ((pageIndex * wordsPerPage + wordIndex) & 0xffff_ffffL);
    }

    static void fill(MemorySegment page, long pageIndex) {
        long words = page.byteSize() / 8;
        for (long w = 0; w < words; w++) {
            page.setAtIndex(JAVA_LONG, w, word(pageIndex, words, w));
        }
    }

    /** The index of the first wrong word of {@code page}, or -1 if it holds page {@code pageIndex}. */
    static long firstMismatch(MemorySegment page, long pageIndex) {
        long words = page.byteSize() / 8;
        for (long w = 0; w < words; w++) {
            if (page.getAtIndex(JAVA_LONG, w) != word(pageIndex, words, w)) {
                return w;
            }
        }
        return -1;
    }
}
