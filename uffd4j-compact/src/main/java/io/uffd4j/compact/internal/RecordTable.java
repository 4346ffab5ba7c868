package io.uffd4j.compact.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The indirection table: for each record slot its current offset in the region, its length, its
 * generation and a sequence number. It lives on the Java heap, never in the compacted region, so
 * record handles stay valid while records move.
 *
 * <p>The sequence number is a per-record seqlock: even when the record is stable, odd while a writer
 * (in-place update, free) holds it. Readers copy optimistically and retry if it changed. Offsets
 * change only inside the store's pause, when no operation runs.
 *
 * <p>Slot allocation ({@link #allocate}, {@link #release}) is guarded by the store's allocation lock.
 */
public final class RecordTable {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    /** Offset of a free slot. */
    public static final long FREE = -1;

    private final int capacity;
    private final long[] offset;
    private final int[] length;
    private final int[] generation;
    private final int[] seq;
    private final int[] freeSlots;
    private int freeCount;
    private int neverUsed;

    public RecordTable(int capacity) {
        this.capacity = capacity;
        this.offset = new long[capacity];
        this.length = new int[capacity];
        this.generation = new int[capacity];
        this.seq = new int[capacity];
        this.freeSlots = new int[capacity];
        java.util.Arrays.fill(offset, FREE);
    }

    public int capacity() {
        return capacity;
    }

    /** A free slot, or -1 if the table is full. Allocation lock held. */
    public int allocate() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        return neverUsed < capacity ? neverUsed++ : -1;
    }

    /** Returns a slot whose record was freed. Allocation lock held. */
    public void release(int slot) {
        freeSlots[freeCount++] = slot;
    }

    /** Slots handed out so far (the high-water mark). */
    public int slotsUsed() {
        return neverUsed;
    }

    public int generation(int slot) {
        return (int) INTS.getAcquire(generation, slot);
    }

    public long offset(int slot) {
        return (long) LONGS.getAcquire(offset, slot);
    }

    /** Plain read, for the pause (no concurrent writers). */
    public long offsetPlain(int slot) {
        return offset[slot];
    }

    public int length(int slot) {
        return (int) INTS.getAcquire(length, slot);
    }

    /** Publishes a new record in a slot returned by {@link #allocate}. */
    public void publish(int slot, long off, int len) {
        INTS.setRelease(length, slot, len);
        LONGS.setRelease(offset, slot, off);
    }

    /** Moves a record (inside the pause). */
    public void relocate(int slot, long newOffset) {
        offset[slot] = newOffset;
    }

    /** Marks a slot free and bumps its generation. Caller holds the slot's write lock. */
    public void retire(int slot) {
        LONGS.setRelease(offset, slot, FREE);
        INTS.setRelease(generation, slot, generation[slot] + 1);
    }

    // ---- seqlock ---------------------------------------------------------------------------------

    /** The sequence number to start an optimistic read with (odd: a writer is active). */
    public int readBegin(int slot) {
        return (int) INTS.getAcquire(seq, slot);
    }

    /** Whether the data read since {@link #readBegin} returned {@code s} is consistent. */
    public boolean readValidate(int slot, int s) {
        VarHandle.acquireFence();
        return (int) INTS.getOpaque(seq, slot) == s;
    }

    /** Takes the slot's write lock (spins while another writer holds it); returns the value to pass to {@link #writeEnd}. */
    public int writeBegin(int slot) {
        int spins = 0;
        while (true) {
            int s = (int) INTS.getAcquire(seq, slot);
            if ((s & 1) == 0 && INTS.compareAndSet(seq, slot, s, s + 1)) {
                return s + 1;
            }
            if (++spins > 100) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    public void writeEnd(int slot, int begun) {
        INTS.setRelease(seq, slot, begun + 1);
    }
}
