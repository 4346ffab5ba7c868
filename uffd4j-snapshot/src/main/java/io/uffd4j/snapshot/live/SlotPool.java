package io.uffd4j.snapshot.live;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded buffer of a live snapshot: page-sized native slots handed out and returned. The fault
 * path only tries (never waits); the background saver waits; the peak in use is recorded.
 */
final class SlotPool implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final MemorySegment[] slotSegments;
    private final long pageSize;
    private final int[] free;
    private int freeCount;
    private int peakInUse;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();

    SlotPool(long bufferBytes, long pageSize) {
        int slots = (int) Math.max(1, bufferBytes / pageSize);
        this.pageSize = pageSize;
        this.memory = arena.allocate(slots * pageSize, 4096);
        this.slotSegments = new MemorySegment[slots];
        for (int i = 0; i < slots; i++) {
            slotSegments[i] = memory.asSlice(i * pageSize, pageSize);
        }
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            free[i] = slots - 1 - i;
        }
        this.freeCount = slots;
    }

    int capacity() {
        return free.length;
    }

    MemorySegment segment(int slot) {
        return slotSegments[slot];
    }

    /** A slot, or -1 if none is free. */
    int tryAcquire() {
        return tryAcquire(0);
    }

    /** A slot if more than {@code leave} are free, else -1. */
    int tryAcquire(int leave) {
        lock.lock();
        try {
            return freeCount <= leave ? -1 : take();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code max} slots into {@code out}, leaving at least {@code leave} free for others, waiting up
     * to {@code millis} for the first; returns how many (0 on timeout).
     */
    int acquireUpTo(int max, int leave, long millis, int[] out) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (freeCount <= leave) {
                if (nanos <= 0) {
                    return 0;
                }
                nanos = available.awaitNanos(nanos);
            }
            int n = Math.min(max, freeCount - leave);
            for (int i = 0; i < n; i++) {
                out[i] = take();
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Returns {@code n} slots at once. */
    void releaseAll(int[] slots, int from, int n) {
        if (n <= 0) {
            return;
        }
        lock.lock();
        try {
            for (int i = from; i < from + n; i++) {
                free[freeCount++] = slots[i];
            }
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A slot, leaving at least {@code leave} free for others, waiting up to {@code millis}; -1 on timeout. */
    int acquire(int leave, long millis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (freeCount <= leave) {
                if (nanos <= 0) {
                    return -1;
                }
                nanos = available.awaitNanos(nanos);
            }
            return take();
        } finally {
            lock.unlock();
        }
    }

    private int take() {
        int s = free[--freeCount];
        peakInUse = Math.max(peakInUse, free.length - freeCount);
        return s;
    }

    void release(int slot) {
        lock.lock();
        try {
            free[freeCount++] = slot;
            available.signal();
        } finally {
            lock.unlock();
        }
    }

    boolean hasFree() {
        lock.lock();
        try {
            return freeCount > 0;
        } finally {
            lock.unlock();
        }
    }

    long peakBytes() {
        lock.lock();
        try {
            return peakInUse * pageSize;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
