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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Produces to-space pages for one thread (a compaction thread or a fault-server thread): assembles a
 * page from record pieces read in the from-space, installs it with the strategy's ioctl, and marks it
 * done. Thread-confined; allocates nothing per page.
 *
 * <p>Never touches the registered region: pages are assembled in a private buffer, in a recycled
 * from-space page, or in the page cache through the unregistered second view, and the ioctl maps
 * them. A fault handler never waits for another thread: for COPY and MOVE, a page another thread is
 * producing is produced again and the loser's ioctl fails with EEXIST (both copies hold the same
 * bytes, and a recycled from-space page is only reused after the page reading it is installed); for
 * CONTINUE, where the page cache page is shared, the handler wakes the faulting thread, which
 * faults again until the claimer has mapped the page.
 */
final class PageWorker implements AutoCloseable {
    private static final Modes<CopyMode> COPY = Modes.none();
    private static final Modes<MoveMode> MOVE = Modes.none();
    private static final Modes<ContinueMode> CONTINUE = Modes.none();
    /** Pages moved or copied by one ioctl for a run of kept pages (2 MiB of base pages). */
    static final int MAX_RUN = 512;
    private static final int MAX_NO_PROGRESS = 10_000;

    private final Cycle c;
    private final Plan plan;
    private final long page;
    private final int shift;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment zeros;
    private final PageAssembler assembler;
    private final MethodChooser chooser;

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

    long bytesRead() {
        return assembler.bytesRead + keptBytesRead;
    }

    PageWorker(Cycle c) {
        this.c = c;
        this.plan = c.plan;
        this.page = c.pageSize;
        this.shift = c.pageShift;
        this.buffer = arena.allocate(page, page);
        this.zeros = arena.allocate(page, page);
        this.assembler = new PageAssembler(page);
        this.chooser = c.strategy == Strategy.ADAPTIVE ? new MethodChooser(c.model) : null;
    }

    MethodChooser chooser() {
        return chooser;
    }

    // ---- compaction threads ----------------------------------------------------------------------

    /** Produces page {@code p}, which this thread claimed (and, for a kept page, as much of its run as it can claim). */
    void compact(int p, Resolver r) {
        int src = plan.source(p);
        if (c.strategy == Strategy.CONTINUE) {
            produceContinue(p, r);
        } else if (src >= 0) {
            int n = 1;
            while (n < MAX_RUN && p + n < plan.toPages && plan.source(p + n) == src + n && c.states.claim(p + n)) {
                n++;
            }
            keptRun(p, src, n, r);
        } else {
            built(p, r, MethodChooser.Case.BUILT);
        }
    }

    // ---- fault handler ---------------------------------------------------------------------------

    /** Serves a fault on to-space page {@code p} with the fault server's resolver. */
    void onFault(int p, Resolver r) {
        faultsServed++;
        long dst = c.regionAddress + ((long) p << shift);
        if (p >= plan.toPages) {
            fresh(p, r);
            return;
        }
        if (c.states.isDone(p)) {
            staleFaults++; // already installed; the installer woke the thread
            r.wake(dst, page);
            return;
        }
        if (c.strategy == Strategy.CONTINUE) {
            if (!c.states.claim(p)) {
                // Another thread is writing this page-cache page: let the user fault again rather than wait.
                if (!c.states.isDone(p)) {
                    continueRefaults++;
                    Thread.yield();
                }
                r.wake(dst, page);
                return;
            }
            try {
                produceContinue(p, r);
            } catch (RuntimeException | Error e) {
                c.states.unclaim(p);
                throw e;
            }
            return;
        }
        c.states.claim(p); // best effort: compaction threads skip it; losing a race is harmless here
        int src = plan.source(p);
        if (src >= 0) {
            keptRun(p, src, 1, r);
        } else {
            built(p, r, MethodChooser.Case.FAULT_BUILT);
        }
        if (r.lastError() == Errno.ENOENT) {
            // Lost the race for a kept page (its source was moved in by another thread, which woke the
            // user): tell the server the fault is resolved.
            r.wake(dst, page);
        }
    }

    // ---- COPY / MOVE -----------------------------------------------------------------------------

    private int method(MethodChooser.Case kind) {
        return switch (c.strategy) {
            case COPY -> MethodChooser.COPY;
            case MOVE -> MethodChooser.MOVE;
            case ADAPTIVE -> chooser.choose(kind);
            case CONTINUE, STOP_THE_WORLD -> throw new IllegalStateException(c.strategy + " does not copy or move");
        };
    }

    /** Kept pages [p, p+n) come unchanged from from-space pages [src, src+n): one ioctl, without reading them. */
    private void keptRun(int p, int src, int n, Resolver r) {
        int method = method(MethodChooser.Case.KEPT);
        long t0 = System.nanoTime();
        long total = (long) n << shift;
        long base = c.regionAddress + ((long) p << shift);
        long from = c.from.address() + ((long) src << shift);
        long done = 0;
        int installed = 0;
        int noProgress = 0;
        try {
            while (done < total) {
                Errno e = method == MethodChooser.MOVE
                        ? r.move(base + done, from + done, total - done, MOVE)
                        : r.copy(base + done, from + done, total - done, COPY);
                long d = e == Errno.NONE ? total - done : r.bytesDone();
                if (d > 0) {
                    int pages = (int) (d >>> shift);
                    markDone(p + (int) (done >>> shift), pages);
                    installed += pages;
                    if (method == MethodChooser.MOVE) {
                        keptMoved += pages;
                    } else {
                        keptCopied += pages;
                    }
                    done += d;
                    noProgress = 0;
                }
                if (e == Errno.NONE) {
                    break;
                }
                switch (e) {
                    case EAGAIN -> {
                        againRetries++;
                        backOff(++noProgress, e, base + done);
                    }
                    case EEXIST, ENOENT -> {
                        if (e == Errno.ENOENT && method != MethodChooser.MOVE) {
                            throw r.failure();
                        }
                        lostRaces++; // another thread produced this page (and moved its source)
                        done += page;
                    }
                    case EBUSY -> {
                        // The source page is not exclusive to this process (shared after fork, KSM, pinned): copy it.
                        busyFallbacks++;
                        Errno ce = r.copy(base + done, from + done, page, COPY);
                        if (ce == Errno.NONE) {
                            markDone(p + (int) (done >>> shift), 1);
                            keptCopied++;
                            installed++;
                        } else if (ce == Errno.EEXIST) {
                            lostRaces++;
                        } else {
                            throw r.failure();
                        }
                        done += page;
                    }
                    default -> throw r.failure();
                }
            }
        } finally {
            for (long o = done; o < total; o += page) {
                c.states.unclaim(p + (int) (o >>> shift));
            }
        }
        pagesKept += installed;
        if (chooser != null && installed > 0) {
            chooser.record(MethodChooser.Case.KEPT, method, System.nanoTime() - t0, installed);
        }
    }

    /** A compacted page: assembled in a recycled from-space page and moved, or in a buffer and copied. */
    private void built(int p, Resolver r, MethodChooser.Case kind) {
        int method = method(kind);
        long t0 = System.nanoTime();
        long dst = c.regionAddress + ((long) p << shift);
        if (method == MethodChooser.MOVE && c.recyclingReady) {
            int f = c.pool.pop();
            if (f >= 0) {
                long fOffset = (long) f << shift;
                build(p, c.fromData, fOffset);
                Errno e = moveOne(dst, c.from.address() + fOffset, r);
                if (e == Errno.NONE) {
                    recycled++;
                    finishBuilt(p);
                    if (chooser != null) {
                        chooser.record(kind, MethodChooser.MOVE, System.nanoTime() - t0, 1);
                    }
                    return;
                }
                if (e == Errno.EEXIST) {
                    lostRaces++;
                    c.pool.push(f);
                    return;
                }
                if (e == Errno.EBUSY) {
                    busyFallbacks++;
                    Errno ce = r.copy(dst, c.from.address() + fOffset, page, COPY);
                    c.pool.push(f);
                    afterCopy(p, ce, r);
                    return;
                }
                c.pool.push(f);
                throw r.failure();
            }
        }
        build(p, buffer, 0);
        Errno e = r.copy(dst, buffer.address(), page, COPY);
        afterCopy(p, e, r);
        if (chooser != null && e == Errno.NONE) {
            chooser.record(kind, MethodChooser.COPY, System.nanoTime() - t0, 1);
        }
    }

    private void afterCopy(int p, Errno e, Resolver r) {
        if (e == Errno.NONE) {
            allocated++;
            finishBuilt(p);
        } else if (e == Errno.EEXIST) {
            lostRaces++;
        } else {
            throw r.failure();
        }
    }

    private void finishBuilt(int p) {
        pagesBuilt++;
        if (c.states.markDone(p)) {
            c.releaseSources(assembler.sources(), assembler.sourceCount());
        }
    }

    /** A page past the compacted data, touched by a user's new record: zeros. */
    private void fresh(int p, Resolver r) {
        long dst = c.regionAddress + ((long) p << shift);
        if (c.strategy == Strategy.CONTINUE) {
            // Allocate the page-cache page without writing it (a user may already have written it).
            Memory.madvise(c.target.address() + ((long) p << shift), page, Advice.POPULATE_WRITE);
            r.continueRange(dst, page, CONTINUE);
            pagesFresh += r.lastError() == Errno.NONE ? 1 : 0;
            return;
        }
        int method = method(MethodChooser.Case.FRESH);
        long t0 = System.nanoTime();
        if (method == MethodChooser.MOVE && c.recyclingReady) {
            int f = c.pool.pop();
            if (f >= 0) {
                long fOffset = (long) f << shift;
                c.fromData.asSlice(fOffset, page).fill((byte) 0);
                Errno e = moveOne(dst, c.from.address() + fOffset, r);
                if (e == Errno.NONE) {
                    recycled++;
                    pagesFresh++;
                    if (chooser != null) {
                        chooser.record(MethodChooser.Case.FRESH, MethodChooser.MOVE, System.nanoTime() - t0, 1);
                    }
                    return;
                }
                c.pool.push(f);
                if (e == Errno.EEXIST) {
                    return; // another fault on the same page won; the server wakes the thread
                }
                if (e != Errno.EBUSY) {
                    throw r.failure();
                }
                busyFallbacks++;
            }
        }
        Errno e = r.copy(dst, zeros.address(), page, COPY);
        if (e == Errno.NONE) {
            allocated++;
            pagesFresh++;
            if (chooser != null) {
                chooser.record(MethodChooser.Case.FRESH, MethodChooser.COPY, System.nanoTime() - t0, 1);
            }
        } else if (e != Errno.EEXIST) {
            throw r.failure();
        }
    }

    /** UFFDIO_MOVE of one page, retried on EAGAIN. */
    private Errno moveOne(long dst, long src, Resolver r) {
        int tries = 0;
        while (true) {
            Errno e = r.move(dst, src, page, MOVE);
            if (e != Errno.EAGAIN) {
                return e;
            }
            againRetries++;
            backOff(++tries, e, dst);
        }
    }

    private void backOff(int tries, Errno e, long at) {
        if (tries > MAX_NO_PROGRESS) {
            throw UffdException.of("compaction", e, e.code(), at, page, 0,
                    "no progress after " + tries + " retries");
        }
        if (tries < 16) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    // ---- CONTINUE --------------------------------------------------------------------------------

    /** Writes page {@code p} into the page cache through the unregistered view, then maps it (claimed by this thread). */
    private void produceContinue(int p, Resolver r) {
        long offset = (long) p << shift;
        int src = plan.source(p);
        if (src >= 0) {
            MemorySegment.copy(c.fromData, (long) src << shift, c.target, offset, page);
            keptBytesRead += page;
            pagesKept++;
            keptCopied++;
        } else {
            build(p, c.target, offset);
            pagesBuilt++;
        }
        Errno e = r.continueRange(c.regionAddress + offset, page, CONTINUE);
        if (e != Errno.NONE && e != Errno.EEXIST) {
            throw r.failure();
        }
        c.states.markDone(p);
    }

    private void build(int p, MemorySegment dst, long dstOffset) {
        assembler.assemble(plan, p, c.fromData, dst, dstOffset);
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
}
