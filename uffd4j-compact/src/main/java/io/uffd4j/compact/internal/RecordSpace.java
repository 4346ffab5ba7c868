package io.uffd4j.compact.internal;

import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.RecordLocation;
import io.uffd4j.compact.StoreFullException;
import io.uffd4j.compact.StoreStats;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where records are: the indirection table, the address log, the bump pointer and the live bytes per
 * page, under one allocation lock. Users allocate and release here; a cycle drafts, plans and commits
 * its new layout here (committing in a pause, when no operation is inside the gate).
 */
final class RecordSpace {
    private final long pageSize;
    private final long regionSize;
    final RecordTable table;
    private final AddressLog log;
    private final Planner planner;
    private final ReentrantLock allocLock = new ReentrantLock();
    private int[] pageLive;
    private int[] spareLive;
    private final int[] densitySnapshot;
    private long top;
    private long liveRecords;
    private long liveBytes;

    /** A record just allocated: its bytes are not in yet and its write lock is held. */
    record Allocated(int slot, long offset, int writeLock) {}

    RecordSpace(StoreContext context) {
        this.pageSize = context.pageSize();
        this.regionSize = context.regionSize();
        this.table = new RecordTable(context.config().maxRecords());
        this.log = new AddressLog(Math.min(context.config().maxRecords(), 1 << 16));
        this.planner = new Planner(pageSize, context.config().pageKeepThreshold());
        int pages = (int) (regionSize / pageSize);
        this.pageLive = new int[pages];
        this.spareLive = new int[pages];
        this.densitySnapshot = new int[pages];
    }

    /** Allocates {@code len} bytes at the top and publishes the record, its write lock held until its bytes are in. */
    Allocated allocate(int len) {
        allocLock.lock();
        try {
            long a = Planner.allocation(len);
            if (top + a > regionSize) {
                throw new StoreFullException("no room for " + len + " bytes: " + top + " of " + regionSize
                        + " bytes allocated, " + liveBytes + " live; compact() reclaims "
                        + (top - liveBytes) + " bytes");
            }
            int slot = table.allocate();
            if (slot < 0) {
                throw new StoreFullException("record table full (" + table.capacity() + " records)");
            }
            long offset = top;
            top += a;
            log.append(slot, offset);
            // Published with its log entry, before its bytes: a cycle's draft (taken under this lock)
            // must see every logged record as live. The slot's write lock stays held until the bytes
            // are in, so a reader that finds it through layout() waits for them; the cycle's pause
            // waits for this put to leave the gate.
            int writeLock = table.writeBegin(slot);
            table.publish(slot, offset, len);
            planner.account(pageLive, offset, len, true);
            liveRecords++;
            liveBytes += len;
            return new Allocated(slot, offset, writeLock);
        } finally {
            allocLock.unlock();
        }
    }

    /** Gives back the retired {@code slot}'s {@code len} bytes at {@code offset}. */
    void release(int slot, long offset, int len) {
        allocLock.lock();
        try {
            table.release(slot);
            planner.account(pageLive, offset, len, false);
            liveRecords--;
            liveBytes -= len;
        } finally {
            allocLock.unlock();
        }
    }

    /** Live records in address order (a snapshot). */
    List<RecordLocation> layout() {
        allocLock.lock();
        try {
            List<RecordLocation> out = new ArrayList<>((int) Math.min(liveRecords, Integer.MAX_VALUE - 8));
            for (int i = 0; i < log.size(); i++) {
                int s = log.slot(i);
                long o = log.offset(i);
                if (table.offset(s) == o) {
                    out.add(new RecordLocation(new RecordId(s, table.generation(s)), o, table.length(s)));
                }
            }
            return out;
        } finally {
            allocLock.unlock();
        }
    }

    /** The end of the allocated bytes. */
    long top() {
        allocLock.lock();
        try {
            return top;
        } finally {
            allocLock.unlock();
        }
    }

    StoreStats stats(int cycles, boolean cycleRunning) {
        allocLock.lock();
        try {
            return new StoreStats(liveRecords, liveBytes, top, regionSize, cycles, cycleRunning);
        } finally {
            allocLock.unlock();
        }
    }

    /** Plans the records that exist now, while users keep running; the pause only adds the few put since. */
    Planner.Draft draft() {
        AddressLog.Snapshot snapshot;
        long snapshotTop;
        allocLock.lock();
        try {
            snapshot = log.snapshot();
            snapshotTop = top;
            // One consistent view of the densities for the draft (the last page's can still rise).
            int pages = (int) ((snapshotTop + pageSize - 1) / pageSize);
            System.arraycopy(pageLive, 0, densitySnapshot, 0, pages);
        } finally {
            allocLock.unlock();
        }
        return planner.draft(snapshot, table, densitySnapshot, spareLive, snapshotTop);
    }

    /** Completes {@code draft} with the records put since. In a pause. */
    Plan finish(Planner.Draft draft) {
        return planner.finish(draft, log, table, top);
    }

    /** Plans the whole layout at once. In a pause. */
    Plan plan() {
        return planner.plan(log, table, pageLive, spareLive, top);
    }

    /** Gives every record its planned offset. In a pause. */
    void commit(Plan plan) {
        planner.commit(plan, log, table, spareLive);
        int[] t = pageLive;
        pageLive = spareLive;
        spareLive = t;
        top = plan.newTop;
    }
}
