package io.uffd4j.serve;

import io.uffd4j.event.FaultKind;

/**
 * Faults waiting to be handled again (after EAGAIN, or after a handler failure with backoff): a ring
 * of parallel primitive arrays, so queuing allocates nothing.
 */
final class RetryQueue {
    private static final FaultKind[] KINDS = FaultKind.values();

    private final long[] address;
    private final long[] due;
    private final byte[] kind;
    private final boolean[] write;
    private final int[] threadId;
    private final int[] attempt;
    private final byte[] source;
    private int head;
    private int size;

    RetryQueue(int capacity) {
        address = new long[capacity];
        due = new long[capacity];
        kind = new byte[capacity];
        write = new boolean[capacity];
        threadId = new int[capacity];
        attempt = new int[capacity];
        source = new byte[capacity];
    }

    boolean offer(int src, long addr, FaultKind k, boolean w, int tid, int att, long dueNanos) {
        if (size == address.length) {
            return false;
        }
        int i = (head + size) % address.length;
        address[i] = addr;
        kind[i] = (byte) k.ordinal();
        write[i] = w;
        threadId[i] = tid;
        attempt[i] = att;
        source[i] = (byte) src;
        due[i] = dueNanos;
        size++;
        return true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    long peekDue() {
        return due[head];
    }

    long peekAddress() {
        return address[head];
    }

    FaultKind peekKind() {
        return KINDS[kind[head]];
    }

    boolean peekWrite() {
        return write[head];
    }

    int peekThreadId() {
        return threadId[head];
    }

    int peekAttempt() {
        return attempt[head];
    }

    /** Which of its loop's descriptors the fault was read from. */
    int peekSource() {
        return source[head];
    }

    void pop() {
        head = (head + 1) % address.length;
        size--;
    }

    /** Moves the head entry to the tail. */
    void rotate() {
        int h = head;
        long a = address[h], d = due[h];
        byte k = kind[h];
        boolean w = write[h];
        int t = threadId[h], at = attempt[h];
        byte sc = source[h];
        pop();
        int i = (head + size) % address.length;
        address[i] = a;
        due[i] = d;
        kind[i] = k;
        write[i] = w;
        threadId[i] = t;
        attempt[i] = at;
        source[i] = sc;
        size++;
    }

    /** The earliest due time. */
    long nextDue() {
        long min = Long.MAX_VALUE;
        for (int k = 0; k < size; k++) {
            min = Math.min(min, due[(head + k) % address.length]);
        }
        return min;
    }
}
