package io.uffd4j.compact.internal;

import io.uffd4j.Userfaultfd;
import io.uffd4j.compact.Strategy;

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
    final RecyclePool pool;
    final Userfaultfd uffd;
    final MethodChooser model;
    final long pacePerPageNanos;
    final AtomicInteger cursor = new AtomicInteger();
    final List<PageWorker> workers = new CopyOnWriteArrayList<>();
    volatile boolean stop;
    volatile boolean recyclingReady;
    /** Fault handlers currently producing pages of this cycle; the end of the cycle waits for none. */
    final java.util.concurrent.atomic.AtomicInteger handlersInside = new java.util.concurrent.atomic.AtomicInteger();
    /** Set when the cycle ends: handlers stop producing its pages (they wake the user, who faults again). */
    volatile boolean ended;

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
        this.pool = recycles ? new RecyclePool(Math.max(plan.oldPages, 1)) : null;
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
        for (int q = 0; q < plan.oldPages; q++) {
            if (consumers[q] == 0) {
                pool.add(q);
            }
        }
        recyclingReady = true;
    }

    /**
     * A built page was installed: its from-space sources have one reader fewer; a source nobody
     * reads any more joins the pool. Installs before the pool was seeded are not counted: their
     * sources are then never recycled this cycle, which is safe (a page is never pushed twice).
     */
    void releaseSources(int[] sources, int from, int to) {
        if (!recycles || !recyclingReady) {
            return;
        }
        int[] consumers = plan.consumers;
        for (int i = from; i < to; i++) {
            int q = sources[i];
            if ((int) INTS.getAndAdd(consumers, q, -1) == 1) {
                pool.add(q);
            }
        }
    }

    /** A fault handler enters the cycle; false if it ended (then the handler must not produce pages). */
    boolean enterHandler() {
        handlersInside.incrementAndGet();
        if (ended) {
            handlersInside.decrementAndGet();
            return false;
        }
        return true;
    }

    void exitHandler() {
        handlersInside.decrementAndGet();
    }

    /** Ends the cycle for fault handlers and waits until none is producing one of its pages. */
    void endForHandlers() {
        ended = true;
        int spins = 0;
        while (handlersInside.get() != 0) {
            if (++spins < 100) {
                Thread.onSpinWait();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        }
    }

    PageWorker register(PageWorker w) {
        workers.add(w);
        return w;
    }
}
