package io.uffd4j.snapshot.live;

/**
 * Pages whose write fault waits for buffer space (the faulting writer is throttled meanwhile): a FIFO of
 * page numbers, each at most once, in preallocated arrays.
 */
final class DeferredFaults {
    private final int[] ring;
    private final boolean[] queued;
    private int head;
    private int size;

    DeferredFaults(int pages) {
        ring = new int[pages];
        queued = new boolean[pages];
    }

    synchronized void add(int page) {
        if (queued[page]) {
            return;
        }
        queued[page] = true;
        ring[(head + size) % ring.length] = page;
        size++;
    }

    /** The oldest deferred page, or -1. */
    synchronized int poll() {
        if (size == 0) {
            return -1;
        }
        int p = ring[head];
        head = (head + 1) % ring.length;
        size--;
        queued[p] = false;
        return p;
    }
}
