package io.uffd4j.compact.internal;

import java.util.Arrays;

/**
 * Computes a cycle's {@link Plan}: sliding compaction that keeps record order, with runs of dense
 * pages moved whole.
 *
 * <p>A from-space page is dense when its live bytes (allocation sizes, padding included) reach the
 * keep threshold. Maximal runs of consecutive dense pages slide down by a whole number of pages and
 * keep their contents; every record that overlaps a kept run is pinned to it (its offset changes by
 * the run's delta). All other records are packed at the cursor. The run's delta is the largest that
 * keeps its first pinned record at or above the cursor and its first kept page above every packed
 * byte; after the run, packing resumes on the page after it. So to-space pages are either kept
 * whole or built from record pieces, never both, and records only move down (the compactor never
 * needs a to-space page to produce another).
 *
 * <p>The planner runs inside the pause, allocates only page-sized arrays, and reuses the record
 * arrays between cycles.
 */
public final class Planner {
    private final int pageShift;
    private final long pageSize;
    private final double keepThreshold;
    private final long keepMin;
    private long[] oldOffsets = new long[0];
    private int[] lengths = new int[0];
    private int[] runOld = new int[64];
    private int[] runNew = new int[64];
    private int[] runLen = new int[64];

    public Planner(long pageSize, double keepThreshold) {
        if (Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two");
        }
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        this.pageSize = pageSize;
        this.keepThreshold = keepThreshold;
        this.keepMin = keepThreshold <= 0 ? 1 : Math.max(1, (long) Math.ceil(keepThreshold * pageSize));
    }

    public double keepThreshold() {
        return keepThreshold;
    }

    /** Bytes a record of {@code length} bytes occupies in the region: 8-aligned, at least 8 (offsets stay unique). */
    public static long allocation(int length) {
        return Math.max(8, (length + 7L) & ~7L);
    }

    /**
     * Plans the cycle. {@code pageLive[q]} holds the live allocation bytes of page q of the current
     * layout; {@code newPageLive} receives the same for the planned layout (it must be as long).
     * Reads the log and the table only (nothing is changed until {@link #commit}).
     */
    public Plan plan(AddressLog log, RecordTable table, int[] pageLive, int[] newPageLive, long oldTop) {
        int entries = log.size();
        int[] slot = log.spareSlots(entries);
        long[] newOff = log.spareOffsets(entries);
        if (oldOffsets.length < entries) {
            oldOffsets = new long[Math.max(entries, oldOffsets.length * 2)];
            lengths = new int[oldOffsets.length];
        }
        long[] oldOff = oldOffsets;
        int[] len = lengths;
        int oldPages = (int) ((oldTop + pageSize - 1) >>> pageShift);
        Arrays.fill(newPageLive, 0);

        int n = 0;
        int runs = 0;
        long c = 0;
        boolean inRun = false;
        int runOldEnd = -1;
        int runNewEnd = 0;
        long delta = 0;
        long liveBytes = 0;
        for (int i = 0; i < entries; i++) {
            int s = log.slot(i);
            long o = log.offset(i);
            if (table.offsetPlain(s) != o) {
                continue; // freed (and maybe reused elsewhere) since it was allocated
            }
            int l = table.length(s);
            long a = allocation(l);
            int first = (int) (o >>> pageShift);
            int last = (int) ((o + a - 1) >>> pageShift);
            long placed;
            if (inRun && first <= runOldEnd) {
                placed = o + delta;
            } else {
                if (inRun) {
                    c = Math.max(c, (long) runNewEnd << pageShift);
                    inRun = false;
                }
                int dense = -1;
                for (int q = first; q <= last; q++) {
                    if (pageLive[q] >= keepMin) {
                        dense = q;
                        break;
                    }
                }
                if (dense < 0) {
                    placed = c;
                } else {
                    int end = dense;
                    while (end + 1 < oldPages && pageLive[end + 1] >= keepMin) {
                        end++;
                    }
                    long keptAt = Math.max(Math.ceilDiv(c, pageSize), dense + Math.ceilDiv(c - o, pageSize));
                    delta = (keptAt - dense) << pageShift;
                    if (delta > 0) {
                        throw new IllegalStateException("planner: run at page " + dense + " would move up by " + delta);
                    }
                    if (runs == runOld.length) {
                        runOld = Arrays.copyOf(runOld, runs * 2);
                        runNew = Arrays.copyOf(runNew, runs * 2);
                        runLen = Arrays.copyOf(runLen, runs * 2);
                    }
                    runOld[runs] = dense;
                    runNew[runs] = (int) keptAt;
                    runLen[runs] = end - dense + 1;
                    runs++;
                    inRun = true;
                    runOldEnd = end;
                    runNewEnd = (int) keptAt + end - dense + 1;
                    placed = o + delta;
                }
            }
            c = placed + a;
            slot[n] = s;
            oldOff[n] = o;
            newOff[n] = placed;
            len[n] = l;
            addLive(newPageLive, placed, a);
            liveBytes += l;
            n++;
        }
        long newTop = c;
        int toPages = (int) ((newTop + pageSize - 1) >>> pageShift);

        int[] source = new int[toPages];
        Arrays.fill(source, -1);
        int[] consumers = new int[oldPages];
        int kept = 0;
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < runLen[r]; k++) {
                source[runNew[r] + k] = runOld[r] + k;
                consumers[runOld[r] + k] = Plan.KEPT;
            }
            kept += runLen[r];
        }
        int[] firstRecord = new int[toPages];
        int i = 0;
        for (int p = 0; p < toPages; p++) {
            long pageStart = (long) p << pageShift;
            while (i < n && newOff[i] + allocation(len[i]) <= pageStart) {
                i++;
            }
            firstRecord[p] = i;
            if (source[p] < 0) {
                countSources(p, i, n, oldOff, newOff, len, consumers);
            }
        }
        return new Plan(pageShift, n, slot, oldOff, newOff, len, oldTop, newTop, oldPages, toPages, source,
                firstRecord, consumers, kept, runs, liveBytes);
    }

    /** Counts, once per from-space page, the from-space pages that built page {@code p} reads. */
    private void countSources(int p, int from, int n, long[] oldOff, long[] newOff, int[] len, int[] consumers) {
        long pageStart = (long) p << pageShift;
        long pageEnd = pageStart + pageSize;
        int lastCounted = -1;
        for (int i = from; i < n && newOff[i] < pageEnd; i++) {
            long s = Math.max(newOff[i], pageStart);
            long e = Math.min(newOff[i] + len[i], pageEnd);
            if (s >= e) {
                continue;
            }
            int q0 = (int) ((oldOff[i] + (s - newOff[i])) >>> pageShift);
            int q1 = (int) ((oldOff[i] + (e - 1 - newOff[i])) >>> pageShift);
            for (int q = Math.max(q0, lastCounted + 1); q <= q1; q++) {
                if (consumers[q] == Plan.KEPT) {
                    throw new IllegalStateException("planner: built page " + p + " would read kept page " + q);
                }
                consumers[q]++;
                lastCounted = q;
            }
        }
    }

    private void addLive(int[] pageLive, long offset, long bytes) {
        long end = offset + bytes;
        while (offset < end) {
            int q = (int) (offset >>> pageShift);
            long pageEnd = (long) (q + 1) << pageShift;
            long part = Math.min(end, pageEnd) - offset;
            pageLive[q] += (int) part;
            offset += part;
        }
    }

    /**
     * Applies the plan (inside the pause, after the from-space flip succeeded): records get their new
     * offsets, the log becomes the compacted order.
     */
    public void commit(Plan plan, AddressLog log, RecordTable table) {
        for (int i = 0; i < plan.count; i++) {
            table.relocate(plan.slot[i], plan.newOffset[i]);
        }
        log.adoptSpare(plan.count);
    }

    /** Adds or removes a record's allocation to the per-page live counts (allocation lock held). */
    public void account(int[] pageLive, long offset, int length, boolean add) {
        long a = allocation(length);
        long end = offset + a;
        while (offset < end) {
            int q = (int) (offset >>> pageShift);
            long pageEnd = (long) (q + 1) << pageShift;
            long part = Math.min(end, pageEnd) - offset;
            pageLive[q] += add ? (int) part : (int) -part;
            offset += part;
        }
    }
}
