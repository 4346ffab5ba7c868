package io.uffd4j.compact.internal;

/**
 * The layout one compaction cycle produces, fixed in the pause that starts it and read-only after:
 * where each live record goes, and for each page of the compacted region (to-space) how it is made.
 *
 * <p>A to-space page is either KEPT (a whole from-space page moves there unchanged: {@link #source})
 * or BUILT (assembled from pieces of records, zero elsewhere: records from {@link #firstRecord}).
 * A from-space page that is kept is never read; a from-space page read by BUILT pages can be reused
 * (MOVE recycling) once all of them are installed: {@link #consumers}.
 */
public final class Plan {
    /** {@link #consumers} value of a from-space page that moves whole. */
    public static final int KEPT = -1;

    final int pageShift;
    final long pageSize;
    /** Records, in address order (old and new). */
    final int count;
    final int[] slot;
    final long[] oldOffset;
    final long[] newOffset;
    final int[] length;
    final long oldTop;
    final long newTop;
    final int oldPages;
    final int toPages;
    /** Per to-space page: the from-space page it keeps, or -1 if built. */
    final int[] source;
    /** Per to-space page: the first record that may overlap it. */
    final int[] firstRecord;
    /** Per from-space page: number of BUILT to-space pages that read it, or {@link #KEPT}. */
    final int[] consumers;
    final int keptPages;
    final int runs;
    final long liveBytes;

    Plan(int pageShift, int count, int[] slot, long[] oldOffset, long[] newOffset, int[] length, long oldTop,
         long newTop, int oldPages, int toPages, int[] source, int[] firstRecord, int[] consumers, int keptPages,
         int runs, long liveBytes) {
        this.pageShift = pageShift;
        this.pageSize = 1L << pageShift;
        this.count = count;
        this.slot = slot;
        this.oldOffset = oldOffset;
        this.newOffset = newOffset;
        this.length = length;
        this.oldTop = oldTop;
        this.newTop = newTop;
        this.oldPages = oldPages;
        this.toPages = toPages;
        this.source = source;
        this.firstRecord = firstRecord;
        this.consumers = consumers;
        this.keptPages = keptPages;
        this.runs = runs;
        this.liveBytes = liveBytes;
    }

    /**
     * Writes the plan for the C reference (little-endian): "UFPL", version 1, page size, from-space
     * pages, to-space pages, records; then per to-space page its source and first record, per
     * from-space page its readers, per record old offset, new offset, length.
     */
    public void export(java.nio.file.Path file) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(28 + 8 * toPages + 4 * oldPages + 20 * count)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {'U', 'F', 'P', 'L'}).putInt(1).putLong(pageSize).putInt(oldPages).putInt(toPages).putInt(count);
        for (int p = 0; p < toPages; p++) {
            b.putInt(source[p]);
        }
        for (int p = 0; p < toPages; p++) {
            b.putInt(firstRecord[p]);
        }
        for (int q = 0; q < oldPages; q++) {
            b.putInt(consumers[q]);
        }
        for (int i = 0; i < count; i++) {
            b.putLong(oldOffset[i]).putLong(newOffset[i]).putInt(length[i]);
        }
        java.nio.file.Files.write(file, b.array());
    }

    public int count() {
        return count;
    }

    public long oldTop() {
        return oldTop;
    }

    public long newTop() {
        return newTop;
    }

    public int oldPages() {
        return oldPages;
    }

    public int toPages() {
        return toPages;
    }

    public int keptPages() {
        return keptPages;
    }

    public int builtPages() {
        return toPages - keptPages;
    }

    public int runs() {
        return runs;
    }

    public long liveBytes() {
        return liveBytes;
    }

    /** The from-space page kept at to-space page {@code p}, or -1 if {@code p} is built. */
    public int source(int p) {
        return p < toPages ? source[p] : -1;
    }

    public int slot(int i) {
        return slot[i];
    }

    public long oldOffset(int i) {
        return oldOffset[i];
    }

    public long newOffset(int i) {
        return newOffset[i];
    }

    public int length(int i) {
        return length[i];
    }
}
