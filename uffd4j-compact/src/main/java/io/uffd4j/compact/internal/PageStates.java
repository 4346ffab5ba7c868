package io.uffd4j.compact.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Per to-space page of a cycle: EMPTY, CLAIMED (a thread is producing it) or DONE (installed), and
 * the number of pages not yet DONE. Claims keep compaction threads from producing a page twice; they
 * are never waited on by a fault handler (see {@code PageWorker}).
 */
final class PageStates {
    static final int EMPTY = 0;
    static final int CLAIMED = 1;
    static final int DONE = 2;

    private final AtomicIntegerArray state;
    private final AtomicInteger pending;

    PageStates(int pages) {
        state = new AtomicIntegerArray(pages);
        pending = new AtomicInteger(pages);
    }

    int pages() {
        return state.length();
    }

    int get(int p) {
        return state.get(p);
    }

    boolean claim(int p) {
        return state.compareAndSet(p, EMPTY, CLAIMED);
    }

    boolean isDone(int p) {
        return state.get(p) == DONE;
    }

    /** Marks an installed page; returns true for the thread that completed it. */
    boolean markDone(int p) {
        if (state.getAndSet(p, DONE) != DONE) {
            pending.decrementAndGet();
            return true;
        }
        return false;
    }

    /** Gives a claim back (the claimer could not produce the page). */
    void unclaim(int p) {
        state.compareAndSet(p, CLAIMED, EMPTY);
    }

    int pending() {
        return pending.get();
    }
}
