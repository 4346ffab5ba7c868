package io.uffd4j.serve;

/**
 * A range a fault loop serves: where it is, its page size, and whether a page the handler gives up
 * on may be poisoned (its accesses then fail; only where a failing access cannot end the process).
 */
public record ServedRange(long start, long length, long pageSize, boolean poisonOnGiveUp) {
    public ServedRange {
        if (length <= 0 || pageSize <= 0 || Long.bitCount(pageSize) != 1 || (start & (pageSize - 1)) != 0
                || (length & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException("served range at 0x" + Long.toHexString(start) + ", length " + length
                    + ", page size " + pageSize + " is invalid (accepted: a positive number of whole, aligned pages"
                    + " of a power-of-two size)");
        }
    }

    public boolean contains(long address) {
        return address >= start && address - start < length;
    }
}
