package io.uffd4j.compact.internal;

import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.Resolver;
import io.uffd4j.compact.Strategy;
import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Memory;
import io.uffd4j.serve.Resolution;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Produces to-space pages for one thread (a compaction thread or a fault-server thread): assembles
 * pages from record pieces read in the from-space, installs them with the strategy's ioctl and marks
 * them done. Thread-confined; allocates nothing per page.
 *
 * <p>Compaction threads work on runs of consecutive pages and install each run with one ioctl: a run
 * of kept pages moves (or is copied) from the from-space at once; a run of built pages is assembled in
 * a run of contiguous recycled from-space pages and moved at once (MOVE), or in a multi-page buffer and
 * copied at once (COPY), or written into the page cache and mapped at once (CONTINUE). One UFFDIO_MOVE
 * per run means one TLB flush per run, which is what makes MOVE cheaper than COPY in a process whose
 * other threads keep the CPUs busy. The fault path produces the one page a user waits for.
 *
 * <p>Never touches the registered region: pages are assembled in a private buffer, in a recycled
 * from-space page, or in the page cache through the unregistered second view, and the ioctl maps
 * them. A fault handler never waits for another thread: for COPY and MOVE, a page another thread is
 * producing is produced again and the loser's ioctl fails with EEXIST (both copies hold the same
 * bytes, and a recycled from-space page is only reused after every page reading it is installed); for
 * CONTINUE, where the page-cache page is shared, the handler wakes the faulting thread, which faults
 * again until the claimer has mapped the page.
 */
final class PageWorker implements AutoCloseable {
    private static final Modes<CopyMode> COPY = Modes.none();
    private static final Modes<MoveMode> MOVE = Modes.none();
    private static final Modes<ContinueMode> CONTINUE = Modes.none();
    /** Pages moved or copied by one ioctl for a run of kept pages (2 MiB of base pages). */
    static final int MAX_RUN = 512;
    /** Built pages assembled and installed together (a recycled run never crosses 64 pages). */
    static final int MAX_BATCH = 64;
    private static final int MAX_NO_PROGRESS = 10_000;

    final Cycle c;
    /** Works for user operations (user assist) rather than for a compaction or fault-server thread. */
    final boolean user;
    private final Plan plan;
    private final long page;
    private final int shift;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment zeros;
    private final PageAssembler assembler;
    private final int[] batchSources;
    private final int[] batchSourceEnd = new int[MAX_BATCH + 1];
    private final MethodChooser chooser;
    private final KeptRun kept = new KeptRun();
    private final BuiltRun built = new BuiltRun();
    private final Single single = new Single();

    // ---- counters (read after the thread ended) ----
    long pagesBuilt;
    long pagesKept;
    long pagesFresh;
    long recycled;
    long allocated;
    long keptMoved;
    long keptCopied;
    long busyFallbacks;
    long againRetries;
    long lostRaces;
    long continueRefaults;
    long staleFaults;
    long faultsServed;
    long keptBytesRead;
    long assembleNanos;
    long installNanos;

    PageWorker(Cycle c) {
        this(c, false);
    }

    PageWorker(Cycle c, boolean user) {
        this.c = c;
        this.user = user;
        this.plan = c.plan;
        this.page = c.pageSize;
        this.shift = c.pageShift;
        this.buffer = arena.allocate(page * MAX_BATCH, page);
        this.zeros = arena.allocate(page, page);
        this.assembler = new PageAssembler(page);
        this.batchSources = new int[MAX_BATCH * ((int) (page / 4) + 4)];
        this.chooser = c.strategy == Strategy.ADAPTIVE ? new MethodChooser(c.model) : null;
    }

    MethodChooser chooser() {
        return chooser;
    }

    long bytesRead() {
        return assembler.bytesRead + keptBytesRead;
    }

    // ---- compaction threads ----------------------------------------------------------------------

    /**
     * Produces page {@code p}, which this thread claimed, together with the following pages of the same
     * kind it can claim. Returns the number of pages it handled.
     */
    int compact(int p, Resolver r) {
        int src = plan.source(p);
        if (c.strategy == Strategy.CONTINUE) {
            int n = 1;
            while (n < MAX_BATCH && p + n < plan.toPages && c.states.claim(p + n)) {
                n++;
            }
            continueRun(p, n, r);
            return n;
        } else if (src >= 0) {
            int n = 1;
            while (n < MAX_RUN && p + n < plan.toPages && plan.source(p + n) == src + n && c.states.claim(p + n)) {
                n++;
            }
            keptRun(p, src, n, r);
            return n;
        } else {
            int n = 1;
            while (n < MAX_BATCH && p + n < plan.toPages && plan.source(p + n) < 0 && c.states.claim(p + n)) {
                n++;
            }
            builtRun(p, n, r, MethodChooser.Case.BUILT);
            return n;
        }
    }

    // ---- fault handler ---------------------------------------------------------------------------

    /** Serves a fault on to-space page {@code p} with the fault server's resolver. */
    Resolution onFault(int p, Resolver r) {
        faultsServed++;
        return produce(p, r);
    }

    /**
     * Produces to-space page {@code p} for a user operation that is about to touch it, on the user's
     * thread (user assist): exactly what a fault handler would do, without the fault's round trip.
     */
    void assist(int p, Resolver r) {
        if (produce(p, r) == Resolution.ALREADY_PRESENT) {
            r.wake(c.regionAddress + ((long) p << shift), page);
        }
    }

    /** RESOLVED: this thread installed the page, or woke its waiters; ALREADY_PRESENT: another thread installed it. */
    private Resolution produce(int p, Resolver r) {
        long dst = c.regionAddress + ((long) p << shift);
        if (p >= plan.toPages) {
            return fresh(p, r);
        }
        if (c.states.isDone(p)) {
            staleFaults++; // already installed; the installer woke the thread
            r.wake(dst, page);
            return Resolution.RESOLVED;
        }
        if (c.strategy == Strategy.CONTINUE) {
            if (!c.states.claim(p)) {
                // Another thread is writing this page-cache page: let the user fault again rather than wait.
                if (!c.states.isDone(p)) {
                    continueRefaults++;
                    Thread.yield();
                }
                r.wake(dst, page);
                return Resolution.RESOLVED;
            }
            try {
                continueRun(p, 1, r);
            } catch (RuntimeException | Error e) {
                c.states.unclaim(p);
                throw e;
            }
            return Resolution.RESOLVED;
        }
        c.states.claim(p); // best effort: compaction threads skip it; losing a race is harmless here
        int src = plan.source(p);
        int installed = src >= 0 ? keptRun(p, src, 1, r) : builtRun(p, 1, r, MethodChooser.Case.FAULT_BUILT);
        // Lost the race (another thread installed the page, or moved its source in): the loop wakes the user.
        return installed == 1 ? Resolution.RESOLVED : Resolution.ALREADY_PRESENT;
    }

    // ---- COPY / MOVE -----------------------------------------------------------------------------

    private MethodChooser.Method method(MethodChooser.Case kind) {
        return switch (c.strategy) {
            case COPY -> MethodChooser.Method.COPY;
            case MOVE -> MethodChooser.Method.MOVE;
            case ADAPTIVE -> chooser.choose(kind);
            case CONTINUE, STOP_THE_WORLD -> throw new IllegalStateException(c.strategy + " does not copy or move");
        };
    }

    /**
     * Kept pages [p, p+n) come unchanged from from-space pages [src, src+n): one ioctl, without reading
     * them. Returns the pages this thread installed.
     */
    private int keptRun(int p, int src, int n, Resolver r) {
        MethodChooser.Method method = method(MethodChooser.Case.KEPT);
        long t0 = System.nanoTime();
        long total = (long) n << shift;
        long base = c.regionAddress + ((long) p << shift);
        long from = c.from.address() + ((long) src << shift);
        kept.begin(p, method, base, from, r);
        try {
            Errno e = method == MethodChooser.Method.MOVE
                    ? r.moveAll(base, from, total, MOVE, kept, MAX_NO_PROGRESS)
                    : r.copyAll(base, from, total, COPY, kept, MAX_NO_PROGRESS);
            installNanos += System.nanoTime() - t0;
            againRetries += r.stalls();
            if (e != Errno.NONE) {
                throw stuck(e, r, base + kept.handled);
            }
        } finally {
            for (long o = kept.handled; o < total; o += page) {
                c.states.unclaim(p + (int) (o >>> shift));
            }
        }
        pagesKept += kept.installed;
        if (chooser != null && kept.installed > 0) {
            chooser.record(MethodChooser.Case.KEPT, method, System.nanoTime() - t0, kept.installed);
        }
        return kept.installed;
    }

    /**
     * Built pages [p, p+n): MOVE assembles them in runs of contiguous recycled from-space pages and moves
     * each run in with one ioctl; pages no recycled page is left for (and COPY) are assembled in the
     * buffer and copied in with one ioctl.
     */
    private int builtRun(int p, int n, Resolver r, MethodChooser.Case kind) {
        MethodChooser.Method method = method(kind);
        long t0 = System.nanoTime();
        int done = 0;
        int installed = 0;
        int copiedInstead = 0;
        try {
            while (done < n) {
                int at = p + done;
                if (method == MethodChooser.Method.MOVE && c.recyclingReady) {
                    long run = c.pool.takeRun(n - done);
                    if (run != 0) {
                        int f = RecyclePool.start(run);
                        int m = RecyclePool.length(run);
                        long a0 = System.nanoTime();
                        for (int k = 0; k < m; k++) {
                            assemble(k, at + k, c.fromData, (long) (f + k) << shift);
                        }
                        long a1 = System.nanoTime();
                        installed += installMoved(at, f, m, r);
                        assembleNanos += a1 - a0;
                        installNanos += System.nanoTime() - a1;
                        done += m;
                        continue;
                    }
                }
                int m = n - done;
                long a0 = System.nanoTime();
                for (int k = 0; k < m; k++) {
                    assemble(k, at + k, buffer, (long) k << shift);
                }
                long a1 = System.nanoTime();
                int copied = installCopied(at, m, r);
                assembleNanos += a1 - a0;
                installNanos += System.nanoTime() - a1;
                installed += copied;
                copiedInstead += method == MethodChooser.Method.MOVE ? copied : 0;
                done += m;
            }
        } finally {
            for (int k = done; k < n; k++) {
                c.states.unclaim(p + k);
            }
        }
        if (chooser != null && installed > 0 && copiedInstead == 0) {
            // A MOVE that had to copy some pages (no recycled page left) measures neither method: skip it.
            chooser.record(kind, method, System.nanoTime() - t0, installed);
        }
        return installed;
    }

    /** Moves built pages [p, p+m) in from recycled from-space pages [f, f+m); returns the pages this thread installed. */
    private int installMoved(int p, int f, int m, Resolver r) {
        long base = c.regionAddress + ((long) p << shift);
        long from = c.from.address() + ((long) f << shift);
        built.begin(p, f, from, base, r, true);
        Errno e = r.moveAll(base, from, (long) m << shift, MOVE, built, MAX_NO_PROGRESS);
        againRetries += r.stalls();
        if (e != Errno.NONE) {
            for (int j = (int) (built.handled >>> shift); j < m; j++) {
                c.pool.add(f + j);
            }
            throw stuck(e, r, base + built.handled);
        }
        return built.installed;
    }

    /** Copies built pages [p, p+m) in from the buffer; returns the pages this thread installed. */
    private int installCopied(int p, int m, Resolver r) {
        long base = c.regionAddress + ((long) p << shift);
        built.begin(p, -1, buffer.address(), base, r, false);
        Errno e = r.copyAll(base, buffer.address(), (long) m << shift, COPY, built, MAX_NO_PROGRESS);
        againRetries += r.stalls();
        if (e != Errno.NONE) {
            throw stuck(e, r, base + built.handled);
        }
        return built.installed;
    }

    /** The exception for a run that ended with {@code e}: no progress after many EAGAINs, or the ioctl's own error. */
    private UffdException stuck(Errno e, Resolver r, long at) {
        if (e == Errno.EAGAIN) {
            return UffdException.of("compaction", e, e.code(), at, page, 0, "no progress after " + MAX_NO_PROGRESS + " retries");
        }
        return r.failure();
    }

    /** Built page {@code p + k} (k-th of its batch) was installed by this thread: mark it, release its sources. */
    private void finishBuilt(int p, int k) {
        pagesBuilt++;
        markBuiltDone(p, k);
    }

    /**
     * Built page {@code p + k} is installed (by this thread, or by another: EEXIST). Whichever thread marks
     * it done first releases its sources: the page's state follows the kernel, so a page installed by a
     * thread that has not (or never) marked it cannot keep the cycle waiting for it.
     */
    private void markBuiltDone(int p, int k) {
        if (c.states.markDone(p + k)) {
            int from = k == 0 ? 0 : batchSourceEnd[k - 1];
            c.releaseSources(batchSources, from, batchSourceEnd[k]);
        }
    }

    /** Assembles to-space page {@code p} as the k-th page of a batch, keeping its sources. */
    private void assemble(int k, int p, MemorySegment dst, long dstOffset) {
        assembler.assemble(plan, p, c.fromData, dst, dstOffset);
        int from = k == 0 ? 0 : batchSourceEnd[k - 1];
        int n = assembler.sourceCount();
        System.arraycopy(assembler.sources(), 0, batchSources, from, n);
        batchSourceEnd[k] = from + n;
    }

    /** A page past the compacted data, touched by a user's new record: zeros. */
    private Resolution fresh(int p, Resolver r) {
        long dst = c.regionAddress + ((long) p << shift);
        if (c.strategy == Strategy.CONTINUE) {
            // Allocate the page-cache page without writing it (a user may already have written it).
            Memory.madvise(c.target.address() + ((long) p << shift), page, Advice.POPULATE_WRITE);
            Errno e = r.continueRange(dst, page, CONTINUE);
            if (e == Errno.NONE) {
                pagesFresh++;
            }
            return Resolution.from(e, r);
        }
        MethodChooser.Method method = method(MethodChooser.Case.FRESH);
        long t0 = System.nanoTime();
        if (method == MethodChooser.Method.MOVE && c.recyclingReady) {
            long run = c.pool.takeRun(1);
            if (run != 0) {
                int f = RecyclePool.start(run);
                long fOffset = (long) f << shift;
                c.fromData.asSlice(fOffset, page).fill((byte) 0);
                Errno e = r.moveAll(dst, c.from.address() + fOffset, page, MOVE, single.begin(), MAX_NO_PROGRESS);
                againRetries += r.stalls();
                if (e == Errno.NONE && !single.present) {
                    recycled++;
                    pagesFresh++;
                    if (chooser != null) {
                        chooser.record(MethodChooser.Case.FRESH, MethodChooser.Method.MOVE, System.nanoTime() - t0, 1);
                    }
                    return Resolution.RESOLVED;
                }
                c.pool.add(f);
                if (e == Errno.NONE) {
                    return Resolution.ALREADY_PRESENT; // another fault on the same page won
                }
                if (e != Errno.EBUSY) {
                    throw stuck(e, r, dst);
                }
                busyFallbacks++;
            }
        }
        Errno e = r.copy(dst, zeros.address(), page, COPY);
        if (e == Errno.NONE) {
            allocated++;
            pagesFresh++;
            if (chooser != null) {
                chooser.record(MethodChooser.Case.FRESH, MethodChooser.Method.COPY, System.nanoTime() - t0, 1);
            }
        }
        return Resolution.from(e, r);
    }

    // ---- CONTINUE --------------------------------------------------------------------------------

    /**
     * Writes pages [p, p+n) (claimed by this thread) into the page cache through the unregistered view,
     * then maps them with one UFFDIO_CONTINUE.
     */
    private void continueRun(int p, int n, Resolver r) {
        long a0 = System.nanoTime();
        for (int k = 0; k < n; k++) {
            int q = p + k;
            long offset = (long) q << shift;
            int src = plan.source(q);
            if (src >= 0) {
                MemorySegment.copy(c.fromData, (long) src << shift, c.target, offset, page);
                keptBytesRead += page;
                pagesKept++;
                keptCopied++;
            } else {
                assembler.assemble(plan, q, c.fromData, c.target, offset);
                pagesBuilt++;
            }
        }
        long a1 = System.nanoTime();
        assembleNanos += a1 - a0;
        long base = c.regionAddress + ((long) p << shift);
        Errno e = r.continueAll(base, (long) n << shift, CONTINUE, single.begin(), MAX_NO_PROGRESS);
        againRetries += r.stalls();
        if (e != Errno.NONE) {
            throw stuck(e, r, base); // EEXIST is stepped over: mapped already, the page cache holds our bytes either way
        }
        installNanos += System.nanoTime() - a1;
        markDone(p, n);
    }

    private void markDone(int first, int pages) {
        for (int k = 0; k < pages; k++) {
            c.states.markDone(first + k);
        }
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---- what each kind of run does with the kernel's answers (reused: no allocation per run) ------

    /** What the two kinds of run share: where the run is, the resolver, and what this thread did. */
    private abstract class Run implements Resolver.RangeProgress {
        int first;
        long base;
        long from;
        Resolver r;
        /** Bytes of the run dealt with (installed, lost, or copied instead). */
        long handled;
        int installed;

        final void start(int firstPage, long to, long source, Resolver resolver) {
            first = firstPage;
            base = to;
            from = source;
            r = resolver;
            handled = 0;
            installed = 0;
        }

        @Override
        public final long pageSize() {
            return page;
        }
    }

    /** A run of kept pages: pages done as they are installed; lost races; busy sources copied instead. */
    private final class KeptRun extends Run {
        private MethodChooser.Method method;

        void begin(int firstPage, MethodChooser.Method how, long to, long source, Resolver resolver) {
            start(firstPage, to, source, resolver);
            method = how;
        }

        @Override
        public void installed(long offset, long bytes) {
            int pages = (int) (bytes >>> shift);
            markDone(first + (int) (offset >>> shift), pages);
            installed += pages;
            if (method == MethodChooser.Method.MOVE) {
                keptMoved += pages;
            } else {
                keptCopied += pages;
            }
            handled = offset + bytes;
        }

        @Override
        public void present(long offset) {
            lostRaces++; // another thread produced this page (and moved its source)
            markDone(first + (int) (offset >>> shift), 1);
            handled = offset + page;
        }

        @Override
        public long failed(Errno e, long offset) {
            handled = offset;
            if (e == Errno.ENOENT && method == MethodChooser.Method.MOVE) {
                present(offset); // the source was moved in by another thread
                return page;
            }
            if (e != Errno.EBUSY) {
                return STOP;
            }
            // The source page is not exclusive to this process (shared after fork, KSM, pinned): copy it.
            busyFallbacks++;
            Errno ce = r.copy(base + offset, from + offset, page, COPY);
            if (ce == Errno.NONE) {
                keptCopied++;
                installed++;
            } else if (ce == Errno.EEXIST) {
                lostRaces++;
            } else {
                return STOP;
            }
            markDone(first + (int) (offset >>> shift), 1); // installed, by us or by the winner
            handled = offset + page;
            return page;
        }
    }

    /** A run of built pages, moved in from recycled from-space pages or copied in from the buffer. */
    private final class BuiltRun extends Run {
        private int recycledStart;
        private boolean moved;

        void begin(int firstPage, int f, long src, long to, Resolver resolver, boolean byMove) {
            start(firstPage, to, src, resolver);
            recycledStart = f;
            moved = byMove;
        }

        @Override
        public void installed(long offset, long bytes) {
            for (long o = offset; o < offset + bytes; o += page) {
                finishBuilt(first, (int) (o >>> shift));
                if (moved) {
                    recycled++;
                } else {
                    allocated++;
                }
                installed++;
            }
            handled = offset + bytes;
        }

        @Override
        public void present(long offset) {
            int k = (int) (offset >>> shift);
            lostRaces++; // a fault handler installed it first; our copy of it is garbage now
            if (moved) {
                c.pool.add(recycledStart + k);
            }
            markBuiltDone(first, k);
            handled = offset + page;
        }

        @Override
        public long failed(Errno e, long offset) {
            handled = offset;
            if (!moved || e != Errno.EBUSY) {
                return STOP;
            }
            int k = (int) (offset >>> shift);
            busyFallbacks++;
            Errno ce = r.copy(base + offset, from + offset, page, COPY);
            c.pool.add(recycledStart + k);
            handled = offset + page;
            if (ce == Errno.NONE) {
                finishBuilt(first, k);
                allocated++;
                installed++;
            } else if (ce == Errno.EEXIST) {
                lostRaces++;
                markBuiltDone(first, k);
            } else {
                return STOP;
            }
            return page;
        }
    }

    /** A single page, or a CONTINUE run whose pages are marked done together: notes a page found there already. */
    private final class Single implements Resolver.RangeProgress {
        boolean present;

        Single begin() {
            present = false;
            return this;
        }

        @Override
        public long pageSize() {
            return page;
        }

        @Override
        public void installed(long offset, long bytes) {}

        @Override
        public void present(long offset) {
            present = true;
        }
    }
}
