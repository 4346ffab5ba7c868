package io.uffd4j.compact.internal;

import io.uffd4j.Userfaultfd;
import io.uffd4j.compact.Strategy;
import io.uffd4j.serve.FaultServer;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every producer of one cycle shares: the plan, the page states, the from-space, the pool of
 * recyclable from-space pages and the region's address. Everything here is fixed in the pause except
 * the atomics.
 */
final class Cycle {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    final int number;
    final Strategy strategy;
    final Plan plan;
    final PageStates states;
    final FromSpace from;
    final MemorySegment fromData;
    final MemorySegment target;
    final long regionAddress;
    final long pageSize;
    final int pageShift;
    final boolean recycles;
    final PageStack pool;
    final Userfaultfd uffd;
    final MethodChooser model;
    final long pacePerPageNanos;
    final AtomicInteger cursor = new AtomicInteger();
    final List<PageWorker> workers = new CopyOnWriteArrayList<>();
    volatile boolean stop;
    volatile boolean recyclingReady;
    FaultServer server;

    Cycle(int number, Strategy strategy, Plan plan, FromSpace from, long regionAddress, Userfaultfd uffd,
          MethodChooser model, long pacePerPageNanos) {
        this.number = number;
        this.strategy = strategy;
        this.plan = plan;
        this.states = new PageStates(plan.toPages);
        this.from = from;
        this.fromData = from.data();
        this.target = from.targetSeg();
        this.regionAddress = regionAddress;
        this.pageSize = plan.pageSize;
        this.pageShift = plan.pageShift;
        this.recycles = strategy == Strategy.MOVE || strategy == Strategy.ADAPTIVE;
        this.pool = recycles ? new PageStack(Math.max(plan.oldPages, 1)) : null;
        this.uffd = uffd;
        this.model = model;
        this.pacePerPageNanos = pacePerPageNanos;
    }

    /** Puts the from-space pages nothing reads into the pool (garbage only); then recycling may start. */
    void seedPool() {
        if (!recycles) {
            return;
        }
        int[] consumers = plan.consumers;
        for (int q = plan.oldPages - 1; q >= 0; q--) {
            if (consumers[q] == 0) {
                pool.push(q);
            }
        }
        recyclingReady = true;
    }

    /**
     * A built page was installed: its from-space sources have one reader fewer; a source nobody
     * reads any more joins the pool. Installs before the pool was seeded are not counted: their
     * sources are then never recycled this cycle, which is safe (a page is never pushed twice).
     */
    void releaseSources(int[] sources, int count) {
        if (!recycles || !recyclingReady) {
            return;
        }
        int[] consumers = plan.consumers;
        for (int i = 0; i < count; i++) {
            int q = sources[i];
            if ((int) INTS.getAndAdd(consumers, q, -1) == 1) {
                pool.push(q);
            }
        }
    }

    PageWorker register(PageWorker w) {
        workers.add(w);
        return w;
    }
}
