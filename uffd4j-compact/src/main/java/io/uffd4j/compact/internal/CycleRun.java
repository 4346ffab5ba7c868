package io.uffd4j.compact.internal;

import io.uffd4j.Resolver;
import io.uffd4j.compact.AdaptiveCase;
import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.PageCounts;
import io.uffd4j.compact.Strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * One compaction cycle after its start pause: the cycle thread and its helper compaction threads
 * produce the to-space pages in address order (working ahead of the users), the fault handler
 * produces the pages users touch first, then the end pause unregisters the region and the from-space
 * is freed.
 */
public final class CycleRun {
    /** How long the finishing pass may go without a page becoming done before it says so (and again). */
    private static final long STUCK_WARNING_NANOS = 10_000_000_000L;
    private static final System.Logger LOG = System.getLogger(CycleRun.class.getName());

    private final CycleControl store;
    final Cycle cycle;
    private final CompletableFuture<CycleReport> result = new CompletableFuture<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final long pauseStart;
    private volatile long drainNanos;
    private volatile long planNanos;
    private volatile long flipNanos;
    private volatile long serveNanos;
    private volatile long commitNanos;
    private volatile long draftNanos;
    private volatile long startPauseNanos;
    private final int records;
    private final List<PageWorker> compactors = new ArrayList<>();
    private Thread thread;
    private volatile long compactorNanos;

    CycleRun(CycleControl store, Cycle cycle, long pauseStart) {
        this.store = store;
        this.cycle = cycle;
        this.pauseStart = pauseStart;
        this.records = cycle.plan.count;
    }

    public int number() {
        return cycle.number;
    }

    public Strategy strategy() {
        return cycle.strategy;
    }

    public long startPauseNanos() {
        return startPauseNanos;
    }

    void setStartPause(long total, long drain, long plan, long flip, long serve, long commit, long draft) {
        draftNanos = draft;
        startPauseNanos = total;
        drainNanos = drain;
        planNanos = plan;
        flipNanos = flip;
        serveNanos = serve;
        commitNanos = commit;
    }

    public CompletableFuture<CycleReport> result() {
        return result;
    }

    void start() {
        thread = Thread.ofPlatform().name("uffd4j-compact-" + store.id() + "-cycle-" + cycle.number).daemon()
                .start(this::run);
    }

    void requestStop() {
        cycle.stop = true;
    }

    /** Waits for the cycle thread (and its helpers) to end. */
    void join() {
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            cycle.seedPool();
            int helpers = store.config().compactionThreads() - 1;
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < helpers; i++) {
                PageWorker w = cycle.register(new PageWorker(cycle));
                compactors.add(w);
                threads.add(Thread.ofPlatform().daemon()
                        .name("uffd4j-compact-" + store.id() + "-" + cycle.number + "-" + (i + 1))
                        .start(() -> compactLoop(w)));
            }
            PageWorker own = cycle.register(new PageWorker(cycle));
            compactors.add(own);
            compactLoop(own);
            for (Thread t : threads) {
                t.join();
            }
            finishRemaining(own);
            // If the store is closing, endCycle leaves the teardown to close(), which calls abort().
            store.endCycle(this, System.nanoTime());
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "compaction cycle " + cycle.number + " failed", t);
            errors.add(t.toString());
            result.completeExceptionally(t);
        }
    }

    /** Called by the store once the region is unregistered and no handler works for the cycle. */
    void completeAfterFinish(long finishNanos, long compactionDone) {
        long r0 = System.nanoTime();
        store.space().release(cycle.from);
        long r1 = System.nanoTime();
        closeWorkers();
        CycleReport report = report(true, pauseStart + startPauseNanos, compactionDone, finishNanos, r1 - r0, r1);
        learn(report);
        result.complete(report);
    }

    /** Called by the store when it closes during the cycle (region unregistered, threads ended). */
    void abort() {
        try {
            store.space().release(cycle.from);
        } finally {
            closeWorkers();
            long now = System.nanoTime();
            result.complete(report(false, pauseStart + startPauseNanos, now, 0, 0, now));
        }
    }

    private void closeWorkers() {
        for (PageWorker w : cycle.workers) {
            w.close();
        }
    }

    private void compactLoop(PageWorker w) {
        Resolver r = cycle.uffd.newResolver();
        PageStates states = cycle.states;
        int pages = cycle.plan.toPages;
        long busy = 0;
        long pace = cycle.pacePerPageNanos;
        while (!cycle.stop) {
            int p = cycle.cursor.getAndIncrement();
            if (p >= pages) {
                break;
            }
            if (!states.claim(p)) {
                continue;
            }
            long t0 = System.nanoTime();
            int handled = 1;
            try {
                handled = w.compact(p, r);
            } catch (RuntimeException e) {
                states.unclaim(p);
                fail(e, p);
            }
            busy += System.nanoTime() - t0;
            if (pace > 0) {
                LockSupport.parkNanos(pace * handled);
            }
        }
        synchronized (this) {
            compactorNanos += busy;
        }
    }

    /**
     * Produces what is left: pages a compaction thread gave back after an error, and (COPY, MOVE)
     * pages claimed by a fault handler that has not installed them yet. Waits only for CONTINUE
     * pages a handler is writing; handlers never wait for this thread.
     */
    private void finishRemaining(PageWorker w) {
        Resolver r = cycle.uffd.newResolver();
        PageStates states = cycle.states;
        int pages = cycle.plan.toPages;
        int passes = 0;
        long lastProgress = System.nanoTime();
        long lastWarning = lastProgress;
        while (!cycle.stop && states.pending() > 0) {
            int pendingBefore = states.pending();
            for (int p = 0; p < pages && !cycle.stop; p++) {
                int s = states.get(p);
                boolean mayRace = cycle.strategy != Strategy.CONTINUE && passes > 0;
                if ((s == PageStates.EMPTY && states.claim(p)) || (s == PageStates.CLAIMED && mayRace)) {
                    try {
                        w.compact(p, r);
                    } catch (RuntimeException e) {
                        states.unclaim(p);
                        fail(e, p);
                    }
                }
            }
            passes++;
            // Progress is a page becoming done, not a call that returned: a pass that only lost races must
            // not turn into a busy loop.
            long now = System.nanoTime();
            if (states.pending() < pendingBefore) {
                lastProgress = now;
            } else {
                LockSupport.parkNanos(passes < 8 ? 50_000 : 1_000_000);
                if (now - lastProgress > STUCK_WARNING_NANOS && now - lastWarning > STUCK_WARNING_NANOS) {
                    lastWarning = now;
                    LOG.log(System.Logger.Level.WARNING, "compaction cycle " + cycle.number + ": " + states.pending()
                            + " pages not done after " + (now - lastProgress) / 1_000_000 + " ms without progress, e.g. "
                            + stuckPages(states, pages));
                }
            }
        }
    }

    private static String stuckPages(PageStates states, int pages) {
        StringBuilder b = new StringBuilder();
        for (int p = 0, shown = 0; p < pages && shown < 5; p++) {
            if (!states.isDone(p)) {
                b.append(shown++ == 0 ? "" : ", ").append("page ").append(p)
                        .append(states.get(p) == PageStates.CLAIMED ? " (claimed)" : " (empty)");
            }
        }
        return b.toString();
    }

    private void fail(RuntimeException e, int p) {
        String what = "page " + p + ": " + e;
        if (errors.size() < 20) {
            errors.add(what);
        }
        LOG.log(System.Logger.Level.WARNING, "compaction cycle " + cycle.number + " will retry " + what);
        LockSupport.parkNanos(1_000_000);
    }

    private CycleReport report(boolean completed, long pauseEnd, long compactionDone, long finishNanos,
                               long releaseNanos, long end) {
        long assemble = 0, install = 0;
        for (PageWorker w : compactors) {
            assemble += w.assembleNanos;
            install += w.installNanos;
        }
        long byCompactors = 0, onFault = 0, byUsers = 0, fresh = 0, stale = 0, recycled = 0, allocated = 0, keptMoved = 0,
                keptCopied = 0, busy = 0, retries = 0, lost = 0, refaults = 0, bytesRead = 0;
        for (PageWorker w : cycle.workers) {
            boolean compactor = compactors.contains(w);
            long produced = w.pagesBuilt + w.pagesKept;
            if (compactor) {
                byCompactors += produced;
            } else if (w.user) {
                byUsers += produced;
            } else {
                onFault += produced;
            }
            fresh += w.pagesFresh;
            stale += w.staleFaults;
            recycled += w.recycled;
            allocated += w.allocated;
            keptMoved += w.keptMoved;
            keptCopied += w.keptCopied;
            busy += w.busyFallbacks;
            retries += w.againRetries;
            lost += w.lostRaces;
            refaults += w.continueRefaults;
            bytesRead += w.bytesRead();
        }
        PageCounts counts = new PageCounts(byCompactors, onFault, byUsers, fresh, stale, recycled, allocated, keptMoved,
                keptCopied, busy, retries, lost, refaults);
        Plan plan = cycle.plan;
        return new CycleReport(cycle.number, cycle.strategy, completed,
                new CycleReport.Pause(draftNanos, drainNanos, planNanos, flipNanos, serveNanos, commitNanos, startPauseNanos),
                new CycleReport.Timing(Math.max(0, compactionDone - pauseEnd), compactorNanos, assemble, install, finishNanos,
                        releaseNanos, end - pauseStart),
                new CycleReport.Layout(records, plan.liveBytes, plan.oldTop, plan.newTop, plan.toPages, plan.keptPages, plan.runs,
                        bytesRead),
                counts, adaptiveSummary(), errors);
    }

    private List<AdaptiveCase> adaptiveSummary() {
        if (cycle.strategy != Strategy.ADAPTIVE) {
            return List.of();
        }
        MethodChooser merged = new MethodChooser();
        for (PageWorker w : cycle.workers) {
            merged.merge(w.chooser());
        }
        List<AdaptiveCase> cases = new ArrayList<>();
        double penalty = cycle.model.releasePenalty();
        for (MethodChooser.Case k : MethodChooser.Case.values()) {
            cases.add(new AdaptiveCase(k.name(), merged.timesChosen(k, MethodChooser.Method.COPY),
                    merged.timesChosen(k, MethodChooser.Method.MOVE), merged.estimate(k, MethodChooser.Method.COPY),
                    merged.estimate(k, MethodChooser.Method.MOVE), penalty));
        }
        return cases;
    }

    /** ADAPTIVE: keep what this cycle measured, and the per-page cost of freeing the from-space. */
    private void learn(CycleReport r) {
        if (cycle.strategy != Strategy.ADAPTIVE) {
            return;
        }
        for (PageWorker w : cycle.workers) {
            cycle.model.merge(w.chooser());
        }
        long left = r.layout().oldTop() / cycle.pageSize - r.pages().recycled() - r.pages().keptMoved();
        if (left > 64) {
            cycle.model.releasePenalty((double) r.timing().releaseNanos() / left);
        }
    }
}
