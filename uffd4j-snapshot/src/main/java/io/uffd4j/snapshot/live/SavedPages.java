package io.uffd4j.snapshot.live;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pages saved into the buffer, waiting for the image writer: a FIFO of (page, slot) pairs in
 * preallocated arrays (capacity = number of slots, so it never fills before the pool does).
 */
final class SavedPages {
    private final long[] pages;
    private final int[] slots;
    private int head;
    private int size;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();

    SavedPages(int capacity) {
        pages = new long[capacity];
        slots = new int[capacity];
    }

    void put(long page, int slot) {
        lock.lock();
        try {
            if (size == pages.length) {
                throw new IllegalStateException("saved-page queue overflow");
            }
            int i = (head + size) % pages.length;
            pages[i] = page;
            slots[i] = slot;
            size++;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Appends {@code n} consecutive pages from {@code firstPage}, with their slots. */
    void putRun(long firstPage, int[] slotsIn, int n) {
        lock.lock();
        try {
            if (size + n > pages.length) {
                throw new IllegalStateException("saved-page queue overflow");
            }
            for (int k = 0; k < n; k++) {
                int i = (head + size) % pages.length;
                pages[i] = firstPage + k;
                slots[i] = slotsIn[k];
                size++;
            }
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for an entry; on success stores it in {@code pageOut[0]}, {@code slotOut[0]}. */
    boolean take(long nanos, long[] pageOut, int[] slotOut) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (size == 0) {
                if (left <= 0) {
                    return false;
                }
                left = notEmpty.awaitNanos(left);
            }
            pageOut[0] = pages[head];
            slotOut[0] = slots[head];
            head = (head + 1) % pages.length;
            size--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for entries and takes up to {@code max} of them; returns how many. */
    int takeBatch(long nanos, long[] pagesOut, int[] slotsOut, int max) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (size == 0) {
                if (left <= 0) {
                    return 0;
                }
                left = notEmpty.awaitNanos(left);
            }
            int n = Math.min(max, size);
            for (int k = 0; k < n; k++) {
                pagesOut[k] = pages[head];
                slotsOut[k] = slots[head];
                head = (head + 1) % pages.length;
            }
            size -= n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    void wakeTaker() {
        lock.lock();
        try {
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
