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
 * <p><b>Two phases.</b> Most of the work runs before the pause, while users keep running:
 * {@link #draft} plans the log entries that exist at a snapshot. That is safe because the plan only
 * has to hold every record that is live in the pause: a record freed after the draft is simply
 * copied as garbage (and not relocated), and records put after the snapshot are appended after all
 * drafted ones, in address order. Inside the pause {@link #finish} plans those appended records
 * (packed, no dense pages among them) and completes the per-page tables from the first page they
 * touch, and {@link #commit} relocates the records that are still live. The draft decides density
 * from a copy taken with the snapshot, for pages allocated then; that view going stale only changes
 * which pages are kept, never correctness (frees only lower density; a record put later into the
 * last, partly allocated page, if that page is kept, is pinned to its run like any record overlapping it).
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

    /** Planning state between {@link #draft} and {@link #finish}. */
    public static final class Draft {
        final int entries;
        final int regionPages;
        int[] slot;
        long[] newOff;
        long[] oldOff;
        int[] len;
        int[] newPageLive;
        int[] source;
        int[] firstRecord;
        int[] consumers;
        int n;
        long cursor;
        boolean inRun;
        int runOldEnd;
        int runNewEnd;
        long delta;
        int runs;
        int keptPages;
        long liveBytes;
        /** First to-space page records placed after the draft may touch. */
        int boundaryPage;

        Draft(int entries, int regionPages) {
            this.entries = entries;
            this.regionPages = regionPages;
        }
    }

    /**
     * Phase one (users may run): plans the first {@code snapshot.size()} log entries. {@code pageLive}
     * must be a view that does not change meanwhile (a copy taken with the snapshot: a page's density
     * read twice could differ, and a record could be packed onto a page a later record keeps whole);
     * {@code newPageLive} (length = region pages) is this planner's to fill.
     */
    public Draft draft(AddressLog.Snapshot snapshot, RecordTable table, int[] pageLive, int[] newPageLive,
                       long snapshotTop) {
        int entries = snapshot.size();
        Draft d = new Draft(entries, newPageLive.length);
        d.newPageLive = newPageLive;
        Arrays.fill(newPageLive, 0);
        d.slot = snapshot.log().spareSlots(entries);
        d.newOff = snapshot.log().spareOffsets(entries);
        if (oldOffsets.length < entries) {
            oldOffsets = new long[Math.max(entries, oldOffsets.length * 2)];
            lengths = new int[oldOffsets.length];
        }
        d.oldOff = oldOffsets;
        d.len = lengths;
        // Pages allocated at the snapshot. The last may be partly allocated and receive later puts: if it
        // is kept, it ends the last run and the records put into it are pinned to that run in finish().
        int densePages = (int) ((snapshotTop + pageSize - 1) >>> pageShift);
        int[] slots = snapshot.slots();
        long[] offsets = snapshot.offsets();
        for (int i = 0; i < entries; i++) {
            int s = slots[i];
            long o = offsets[i];
            if (table.offset(s) != o) {
                continue; // freed (and maybe reused elsewhere) since it was allocated
            }
            place(d, s, o, table.length(s), pageLive, densePages);
        }
        d.boundaryPage = (int) (d.cursor >>> pageShift);
        d.source = new int[d.regionPages];
        Arrays.fill(d.source, -1);
        d.firstRecord = new int[d.regionPages];
        d.consumers = new int[d.regionPages];
        for (int r = 0; r < d.runs; r++) {
            for (int k = 0; k < runLen[r]; k++) {
                d.source[runNew[r] + k] = runOld[r] + k;
                d.consumers[runOld[r] + k] = Plan.KEPT;
            }
            d.keptPages += runLen[r];
        }
        pageTables(d, 0, d.boundaryPage);
        return d;
    }

    /**
     * Phase two (in the pause): plans the log entries appended since the draft (packed, or pinned to the
     * last run if they start in its last page), completes the
     * per-page tables and returns the plan. Reads the log and the table only.
     */
    public Plan finish(Draft d, AddressLog log, RecordTable table, long oldTop) {
        int entries = log.size();
        if (entries > d.entries) {
            int[] slot = log.spareSlots(entries);
            long[] newOff = log.spareOffsets(entries);
            if (slot != d.slot || newOff != d.newOff) {
                // The spare arrays grew: carry the draft over.
                System.arraycopy(d.slot, 0, slot, 0, d.n);
                System.arraycopy(d.newOff, 0, newOff, 0, d.n);
                d.slot = slot;
                d.newOff = newOff;
            }
            if (oldOffsets.length < entries) {
                oldOffsets = Arrays.copyOf(oldOffsets, Math.max(entries, oldOffsets.length * 2));
                lengths = Arrays.copyOf(lengths, oldOffsets.length);
                d.oldOff = oldOffsets;
                d.len = lengths;
            }
            for (int i = d.entries; i < entries; i++) {
                int s = log.slot(i);
                long o = log.offset(i);
                if (table.offsetPlain(s) != o) {
                    continue;
                }
                place(d, s, o, table.length(s), null, 0);
            }
        }
        int toPages = (int) ((d.cursor + pageSize - 1) >>> pageShift);
        int oldPages = (int) ((oldTop + pageSize - 1) >>> pageShift);
        pageTables(d, d.boundaryPage, toPages);
        return new Plan(pageShift, d.n, d.slot, d.oldOff, d.newOff, d.len, oldTop, d.cursor, oldPages, toPages,
                d.source, d.firstRecord, d.consumers, d.keptPages, d.runs, d.liveBytes);
    }

    /** Both phases at once (no user runs meanwhile): for the stop-the-world strategy, tools and tests. */
    public Plan plan(AddressLog log, RecordTable table, int[] pageLive, int[] newPageLive, long oldTop) {
        return finish(draft(log.snapshot(), table, pageLive, newPageLive, oldTop), log, table, oldTop);
    }

    /**
     * Places one record: pinned to the current kept run, or starting a new run at a dense page it
     * overlaps (only pages below {@code densePages}; none when {@code pageLive} is null), or packed.
     */
    private void place(Draft d, int s, long o, int l, int[] pageLive, int densePages) {
        long a = allocation(l);
        int first = (int) (o >>> pageShift);
        int last = (int) ((o + a - 1) >>> pageShift);
        long placed;
        if (d.inRun && first <= d.runOldEnd) {
            placed = o + d.delta;
        } else {
            if (d.inRun) {
                d.cursor = Math.max(d.cursor, (long) d.runNewEnd << pageShift);
                d.inRun = false;
            }
            int dense = -1;
            if (pageLive != null) {
                for (int q = first; q <= last && q < densePages; q++) {
                    if (pageLive[q] >= keepMin) {
                        dense = q;
                        break;
                    }
                }
            }
            if (dense < 0) {
                placed = d.cursor;
            } else {
                int end = dense;
                while (end + 1 < densePages && pageLive[end + 1] >= keepMin) {
                    end++;
                }
                long c = d.cursor;
                long keptAt = Math.max(Math.ceilDiv(c, pageSize), dense + Math.ceilDiv(c - o, pageSize));
                d.delta = (keptAt - dense) << pageShift;
                if (d.delta > 0) {
                    throw new IllegalStateException("planner: run at page " + dense + " would move up by " + d.delta);
                }
                if (d.runs == runOld.length) {
                    runOld = Arrays.copyOf(runOld, d.runs * 2);
                    runNew = Arrays.copyOf(runNew, d.runs * 2);
                    runLen = Arrays.copyOf(runLen, d.runs * 2);
                }
                runOld[d.runs] = dense;
                runNew[d.runs] = (int) keptAt;
                runLen[d.runs] = end - dense + 1;
                d.runs++;
                d.inRun = true;
                d.runOldEnd = end;
                d.runNewEnd = (int) keptAt + end - dense + 1;
                placed = o + d.delta;
            }
        }
        d.cursor = placed + a;
        int n = d.n;
        d.slot[n] = s;
        d.oldOff[n] = o;
        d.newOff[n] = placed;
        d.len[n] = l;
        addLive(d.newPageLive, placed, a, 1);
        d.liveBytes += l;
        d.n = n + 1;
    }

    /** First record and reader counts of to-space pages [from, to). */
    private void pageTables(Draft d, int from, int to) {
        int i = from == 0 ? 0 : d.firstRecord[from - 1];
        for (int p = from; p < to; p++) {
            long pageStart = (long) p << pageShift;
            while (i < d.n && d.newOff[i] + allocation(d.len[i]) <= pageStart) {
                i++;
            }
            d.firstRecord[p] = i;
            if (d.source[p] < 0) {
                countSources(p, i, d.n, d.oldOff, d.newOff, d.len, d.consumers);
            }
        }
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

    private void addLive(int[] pageLive, long offset, long bytes, int sign) {
        long end = offset + bytes;
        while (offset < end) {
            int q = (int) (offset >>> pageShift);
            long pageEnd = (long) (q + 1) << pageShift;
            long part = Math.min(end, pageEnd) - offset;
            pageLive[q] += sign * (int) part;
            offset += part;
        }
    }

    /**
     * Applies the plan (inside the pause, after the flip succeeded): records still live get their new
     * offsets; records freed after the draft keep their slot as it is (it may hold another record now)
     * and leave the planned layout's live counts. The log becomes the compacted order (freed entries
     * stay in it as stale entries, as after any free).
     */
    public void commit(Plan plan, AddressLog log, RecordTable table, int[] newPageLive) {
        for (int i = 0; i < plan.count; i++) {
            int s = plan.slot[i];
            if (table.offsetPlain(s) == plan.oldOffset[i]) {
                table.relocate(s, plan.newOffset[i]);
            } else {
                addLive(newPageLive, plan.newOffset[i], allocation(plan.length[i]), -1);
            }
        }
        log.adoptSpare(plan.count);
    }

    /** Adds or removes a record's allocation to the per-page live counts (allocation lock held). */
    public void account(int[] pageLive, long offset, int length, boolean add) {
        addLive(pageLive, offset, allocation(length), add ? 1 : -1);
    }
}
