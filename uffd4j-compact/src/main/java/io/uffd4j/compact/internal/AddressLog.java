package io.uffd4j.compact.internal;

import java.util.Arrays;

/**
 * Every allocation since the last compaction, in address order (the allocator bumps a pointer, and
 * compaction slides records without reordering them). An entry is live while its slot still holds
 * that offset. Appends are guarded by the store's allocation lock; the planner reads it in the pause
 * and replaces it with the compacted order. Two array pairs are kept and swapped, so that a cycle
 * allocates nothing big in the pause.
 */
public final class AddressLog {
    private int[] slots;
    private long[] offsets;
    private int size;
    private int[] spareSlots = new int[0];
    private long[] spareOffsets = new long[0];

    public AddressLog(int initialCapacity) {
        slots = new int[Math.max(16, initialCapacity)];
        offsets = new long[slots.length];
    }

    public void append(int slot, long offset) {
        if (size == slots.length) {
            int n = Math.max(16, slots.length * 2);
            slots = Arrays.copyOf(slots, n);
            offsets = Arrays.copyOf(offsets, n);
        }
        slots[size] = slot;
        offsets[size] = offset;
        size++;
    }

    public int size() {
        return size;
    }

    /**
     * The first {@code size} entries as they are now, readable without the lock while appends go on:
     * appends never change these entries, and when they grow the log they copy them to new arrays and
     * leave these alone. Take it under the allocation lock.
     */
    public record Snapshot(AddressLog log, int[] slots, long[] offsets, int size) {}

    public Snapshot snapshot() {
        return new Snapshot(this, slots, offsets, size);
    }

    public int slot(int i) {
        return slots[i];
    }

    public long offset(int i) {
        return offsets[i];
    }

    /** Arrays of at least {@code n} entries that the planner may fill (not the live log's). */
    int[] spareSlots(int n) {
        if (spareSlots.length < n) {
            spareSlots = new int[Math.max(16, Math.max(n, slots.length))];
        }
        return spareSlots;
    }

    long[] spareOffsets(int n) {
        if (spareOffsets.length < n) {
            spareOffsets = new long[Math.max(16, Math.max(n, offsets.length))];
        }
        return spareOffsets;
    }

    /** Makes the spare arrays (filled by the planner with {@code n} entries) the log; the old log becomes spare. */
    void adoptSpare(int n) {
        int[] s = slots;
        long[] o = offsets;
        slots = spareSlots;
        offsets = spareOffsets;
        size = n;
        spareSlots = s;
        spareOffsets = o;
    }
}
