package io.uffd4j.compact.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free stack of from-space page numbers (Treiber stack over an array of links, with a version
 * in the head against ABA): the pages MOVE recycles. Allocates nothing after construction.
 */
final class PageStack {
    private static final long NONE = 0;

    private final int[] next;
    private final AtomicLong head = new AtomicLong(NONE);
    private final AtomicInteger size = new AtomicInteger();

    PageStack(int capacity) {
        next = new int[Math.max(1, capacity)];
    }

    void push(int page) {
        while (true) {
            long h = head.get();
            next[page] = (int) h; // top+1 or 0; published by the CAS below
            long v = ((h >>> 32) + 1) << 32 | (page + 1L);
            if (head.compareAndSet(h, v)) {
                size.incrementAndGet();
                return;
            }
        }
    }

    /** A page, or -1 if empty. */
    int pop() {
        while (true) {
            long h = head.get();
            int top = (int) h - 1;
            if (top < 0) {
                return -1;
            }
            int below = next[top];
            long v = ((h >>> 32) + 1) << 32 | (below & 0xFFFFFFFFL);
            if (head.compareAndSet(h, v)) {
                size.decrementAndGet();
                return top;
            }
        }
    }

    int size() {
        return size.get();
    }
}
