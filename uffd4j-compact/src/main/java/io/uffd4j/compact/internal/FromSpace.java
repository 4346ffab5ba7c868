package io.uffd4j.compact.internal;

import io.uffd4j.mm.Mapping;

import java.lang.foreign.MemorySegment;

/**
 * The pages a cycle compacts from, taken out of the region in the pause, plus (for CONTINUE) the
 * view of the page cache the compacted pages are written into. Neither is registered with the
 * userfaultfd: compaction threads may touch them from Java code.
 *
 * @param pages     the from-space mapping (anonymous: the pages moved out; memfd: the second view of
 *                  the half being left)
 * @param data      {@code pages} as a segment
 * @param target    memfd only: the second view of the half the region now maps (else null)
 * @param targetSeg {@code target} as a segment (else null)
 * @param half      memfd only: the file half of {@code pages} (0 or 1)
 */
record FromSpace(Mapping pages, MemorySegment data, Mapping target, MemorySegment targetSeg, int half) {
    long address() {
        return pages.address();
    }
}
