package io.uffd4j.compact.internal;

import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.PageCounts;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.Strategy;
import io.uffd4j.error.ClosedException;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Memory;
import io.uffd4j.mm.UnguardedAccess;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Cycle orchestration and the store's lifecycle. In one short pause (the gate closed, no operation
 * inside): plan the new layout, move the region's pages to a from-space, register the region with the
 * store's fault server, give every record its new offset. Users then run again and see the compacted
 * layout at once; each page is produced when a compaction thread reaches it or a user touches it,
 * whichever comes first. When every page is in the region is unregistered (no pause needed); then the
 * from-space is freed.
 */
final class CycleControl {
    private static final System.Logger LOG = System.getLogger(StoreEngine.class.getName()); // the name users configure

    private final StoreContext context;
    private final StoreConfig config;
    private final long pageSize;
    private final long region;
    private final long regionSize;
    private final Space space;
    private final AccessGate gate;
    private final RecordSpace records;
    /** Null for STOP_THE_WORLD. */
    private final CycleFaultHandler handler;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final MethodChooser model = new MethodChooser();
    private int cyclesStarted;
    private final AtomicInteger cyclesCompleted = new AtomicInteger();
    private volatile CycleRun active;
    private volatile boolean closing;
    private boolean closed;

    CycleControl(StoreContext context, RecordSpace records, CycleFaultHandler handler) {
        this.context = context;
        this.config = context.config();
        this.pageSize = context.pageSize();
        this.region = context.region();
        this.regionSize = context.regionSize();
        this.space = context.space();
        this.gate = context.gate();
        this.records = records;
        this.handler = handler;
    }

    int id() {
        return context.id();
    }

    StoreConfig config() {
        return config;
    }

    Space space() {
        return space;
    }

    int cyclesCompleted() {
        return cyclesCompleted.get();
    }

    /**
     * Starts a cycle: the start pause runs in the calling thread; production continues in the
     * background.
     */
    StartedCycle startCycle() {
        lifecycle.lock();
        try {
            if (closing || closed) {
                throw new ClosedException("compact", "the store is closed");
            }
            if (active != null) {
                throw new IllegalStateException("compaction cycle " + active.number() + " is still running");
            }
            if (!config.strategy().concurrent()) {
                return stopTheWorld();
            }
            // Plan the records that exist now while users keep running; the pause only adds the few
            // put since and relocates the records.
            long d0 = System.nanoTime();
            Planner.Draft draft = records.draft();
            long draftNanos = System.nanoTime() - d0;
            long t0 = System.nanoTime();
            long drain = gate.pause();
            long t1 = System.nanoTime();
            long t2;
            long t3;
            long t4;
            CycleRun run;
            try {
                Plan plan = records.finish(draft);
                t2 = System.nanoTime();
                FromSpace from = space.flip();
                t3 = System.nanoTime();
                Cycle cycle;
                try {
                    cycle = new Cycle(++cyclesStarted, config.strategy(), plan, from, region, context.uffd(), model,
                            config.pacePerPage().toNanos());
                    run = new CycleRun(this, cycle, t0);
                    context.uffd().register(region, regionSize, space.registerModes());
                } catch (RuntimeException | Error e) {
                    space.unflip(from);
                    throw e;
                }
                t4 = System.nanoTime();
                records.commit(plan);
                active = run;
                handler.serve(run.cycle);
            } finally {
                gate.resume();
            }
            long t5 = System.nanoTime();
            run.setStartPause(t5 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, draftNanos);
            run.start();
            return new StartedCycle(run.number(), run.strategy(), t5 - t0, run.result());
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * STOP_THE_WORLD: the whole cycle inside the pause. Pages are produced in address order in place:
     * a kept page is copied down whole, a built page is assembled in a buffer (its pieces may come from
     * itself) and copied down; a page written never holds a record a later page still needs, because
     * records only move down. Then the freed tail goes back to the kernel. The region is not registered,
     * so touching it from Java code here is safe. Lifecycle lock held.
     */
    private StartedCycle stopTheWorld() {
        long t0 = System.nanoTime();
        long drain = gate.pause();
        CycleReport report;
        try {
            long t1 = System.nanoTime();
            Plan plan = records.plan();
            long t2 = System.nanoTime();
            // Not registered in this mode, so no fault of it waits for a handler: plain access is safe.
            MemorySegment r = space.region().unguardedSegment(UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK);
            PageAssembler assembler = new PageAssembler(pageSize);
            long kept = 0;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(pageSize, pageSize);
                for (int p = 0; p < plan.toPages; p++) {
                    int src = plan.source(p);
                    if (src >= 0) {
                        if (src != p) {
                            MemorySegment.copy(r, (long) src * pageSize, r, (long) p * pageSize, pageSize);
                            kept++;
                        }
                    } else {
                        assembler.assemble(plan, p, r, buf, 0);
                        MemorySegment.copy(buf, 0, r, (long) p * pageSize, pageSize);
                    }
                }
            }
            long t3 = System.nanoTime();
            if (plan.oldPages > plan.toPages) {
                Memory.madvise(region + (long) plan.toPages * pageSize, (long) (plan.oldPages - plan.toPages) * pageSize,
                        Advice.DONTNEED);
            }
            long t4 = System.nanoTime();
            records.commit(plan);
            long t5 = System.nanoTime();
            PageCounts counts = new PageCounts(plan.toPages, 0, 0, 0, 0, 0, 0, 0, kept, 0, 0, 0, 0);
            report = new CycleReport(++cyclesStarted, Strategy.STOP_THE_WORLD, true,
                    new CycleReport.Pause(0, drain, t2 - t1, 0, 0, t5 - t4, t5 - t0),
                    new CycleReport.Timing(t3 - t2, t3 - t2, t3 - t2, 0, 0, t4 - t3, t5 - t0),
                    new CycleReport.Layout(plan.count, plan.liveBytes, plan.oldTop, plan.newTop, plan.toPages, plan.keptPages,
                            plan.runs, assembler.bytesRead + kept * pageSize),
                    counts, List.of(), List.of());
        } finally {
            gate.resume();
        }
        cyclesCompleted.incrementAndGet();
        return new StartedCycle(report.cycle(), report.strategy(), report.pause().totalNanos(),
                CompletableFuture.completedFuture(report));
    }

    /**
     * The cycle thread produced every page: stop the handlers working for the cycle, unregister the
     * region, then free the from-space. No pause is needed: every planned page is installed, so a user
     * can only be waiting on a fresh page past the compacted data; the handler wakes it (it faults
     * again) until the region is unregistered, and then the kernel fills the page. Leaves everything
     * to {@link #close()} when the store is closing.
     */
    void endCycle(CycleRun run, long compactionDone) {
        long finish;
        lifecycle.lock();
        try {
            if (closing || active != run) {
                return;
            }
            long t0 = System.nanoTime();
            detach(run);
            finish = System.nanoTime() - t0;
        } finally {
            lifecycle.unlock();
        }
        run.completeAfterFinish(finish, compactionDone);
        cyclesCompleted.incrementAndGet();
    }

    /** Stops serving {@code run}'s cycle and unregisters the region. Lifecycle lock held. */
    private void detach(CycleRun run) {
        handler.stopServing();
        run.cycle.endForHandlers();
        context.uffd().unregister(region, regionSize);
        // UFFDIO_UNREGISTER wakes waiters before it write-locks the vma: wake any fault that queued after.
        context.uffd().wake(region, regionSize).orThrow();
        active = null;
    }

    /** Plans a cycle without running it (in a pause) and writes the plan for the C reference. */
    Plan planOnly() {
        lifecycle.lock();
        try {
            if (active != null || closing) {
                throw new IllegalStateException("a cycle is running or the store is closing");
            }
            gate.pause();
            try {
                return records.plan();
            } finally {
                gate.resume();
            }
        } finally {
            lifecycle.unlock();
        }
    }

    /** The cycle in progress, or null. */
    CycleRun activeCycle() {
        return active;
    }

    /**
     * Closes the store, also in the middle of a cycle: stops the compaction threads, lets operations
     * in progress finish (the fault server still serves them), then unregisters and unmaps
     * everything. Operations after close fail with {@link ClosedException}.
     */
    void close() {
        CycleRun run;
        lifecycle.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            run = active;
        } finally {
            lifecycle.unlock();
        }
        if (run != null) {
            run.requestStop();
        }
        gate.close();
        if (run != null) {
            run.join();
        }
        lifecycle.lock();
        try {
            CycleRun still = active;
            if (still != null) {
                try {
                    detach(still);
                } finally {
                    active = null;
                    still.abort();
                }
            }
            if (handler != null) {
                handler.close();
            }
            space.close();
            if (context.uffd() != null) {
                context.uffd().close();
            }
            closed = true;
        } finally {
            lifecycle.unlock();
        }
        LOG.log(System.Logger.Level.DEBUG, "compacting store " + context.id() + " closed");
    }

    boolean isClosing() {
        return closing;
    }
}
