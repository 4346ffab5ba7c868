package io.uffd4j.bench.faults;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The page contents both sides produce and check (the C reference uses the same values). */
final class Pages {
    private Pages() {}

    static final int SIZE = 4096;
    static final int SHIFT = 12;
    /** "UFFD" in the high half, the page index in the low half. */
    static final long STAMP_BASE = 0x5546464400000000L;
    static final byte FILL = 0x5A;

    static long stamp(long index) {
        return STAMP_BASE | index;
    }

    /** What the WP benchmark's faulting store writes into page {@code index}. */
    static long written(long index) {
        return ~stamp(index);
    }

    /** Fills one page: FILL bytes, then the stamp in the first 8 bytes. */
    static void fill(MemorySegment page, long index) {
        page.fill(FILL);
        page.set(JAVA_LONG, 0, stamp(index));
    }

    /** The value a load of the first word of page {@code index} must return after the resolution. */
    static long expectedLoad(Operation op, long index) {
        return op == Operation.ZEROPAGE ? 0 : stamp(index);
    }

    /** The contents page {@code index} must have after a run. */
    static void expected(Operation op, long index, MemorySegment into) {
        if (op == Operation.ZEROPAGE) {
            into.fill((byte) 0);
            return;
        }
        fill(into, index);
        if (op == Operation.WP) {
            into.set(JAVA_LONG, 0, written(index));
        }
    }
}
