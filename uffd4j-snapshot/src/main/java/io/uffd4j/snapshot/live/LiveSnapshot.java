package io.uffd4j.snapshot.live;

import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.Errno;
import io.uffd4j.snapshot.image.ImageInfo;
import io.uffd4j.snapshot.image.PageSink;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A point-in-time snapshot of a running region with userfaultfd write-protect, in the process that
 * serves the region's faults (never the process that writes it, see docs/snapshot.md).
 *
 * <ol>
 *   <li>{@link #arm}: while the writers are quiesced, write-protect the whole range (WP_UNPOPULATED
 *       covers never-touched pages) and record which pages were absent. That moment is the instant.</li>
 *   <li>{@link #start}: writers resume. A write to a page not yet saved faults; {@link #onWriteFault}
 *       saves the page's instant contents into the bounded buffer, unprotects it and wakes the writer.
 *       A background saver walks the range in runs doing the same; an image writer drains the buffer
 *       to the {@link PageSink} (normally an image file).</li>
 *   <li>When every page is in the image, the image is completed (footer, fsync, rename).</li>
 * </ol>
 * When the buffer is full, a faulting writer's page is deferred until the image writer frees space:
 * the writer waits for I/O (throttling) instead of memory growing. Any failure aborts: every page is
 * unprotected (writers continue untouched), the partial image is deleted, and {@link #completion()}
 * fails with the reason.
 */
public final class LiveSnapshot implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LiveSnapshot.class.getName());
    private static final int UNSAVED = 0;
    private static final int SAVING = 1;
    private static final int SAVED = 2;
    private static final Modes<WriteProtectMode> UNPROTECT = Modes.none();
    private static final Modes<WriteProtectMode> PROTECT = Modes.of(WriteProtectMode.WP);

    private final Userfaultfd uffd;
    private final long start;
    private final long pageSize;
    private final int pages;
    private final PageReader current;
    private final PageReader absent;
    private final PageSink image;
    private final SnapshotOptions options;
    private final AtomicIntegerArray state;
    private final SlotPool slots;
    private final SavedPages saved;
    private final DeferredFaults deferred;
    /** Slots the background saver leaves to faulting writers, so it cannot starve them. */
    private final int reserveForFaults;
    private final CompletableFuture<ImageInfo> completion = new CompletableFuture<>();
    private final AtomicLong savedByFault = new AtomicLong();
    private final AtomicLong savedBySaver = new AtomicLong();
    private final AtomicLong deferredCount = new AtomicLong();
    private final AtomicBitSet writtenAfterInstant;
    private static final ThreadLocal<MemorySegment[]> FAULT_DESTINATION = ThreadLocal.withInitial(() -> new MemorySegment[1]);
    private BitSet absentAtInstant = new BitSet();
    private long zeroAtInstant;
    private long armNanos;
    private volatile long saverDoneAt;
    private volatile long writtenAt;
    private long scanNanos;
    private long armedAt;
    private long finishedAt;
    private volatile boolean aborted;
    private Thread saverThread;
    private Thread writerThread;

    /**
     * @param uffd     a userfaultfd with PAGEFAULT_FLAG_WP (and WP_UNPOPULATED), the range registered WP
     * @param current  reads present pages of the region
     * @param absent   reads what absent pages held at the instant (a lazy region's source); null: zeros
     */
    public LiveSnapshot(Userfaultfd uffd, long start, long length, long pageSize, PageReader current,
                        PageReader absent, PageSink image, SnapshotOptions options) {
        this(uffd, start, length, pageSize, current, absent, image, options, null);
    }

    /**
     * As above, recording the pages written after the instant into {@code writtenAfterInstant} (one bit per
     * page of the range; null: a set of its own), which the caller may keep using after the snapshot: a
     * write that faults on a completed snapshot still lands there, so no page can fall between the snapshot
     * and the dirty tracking that follows it.
     */
    public LiveSnapshot(Userfaultfd uffd, long start, long length, long pageSize, PageReader current,
                        PageReader absent, PageSink image, SnapshotOptions options, AtomicBitSet writtenAfterInstant) {
        if (length % pageSize != 0 || start % pageSize != 0 || length <= 0) {
            throw new IllegalArgumentException("range must be whole pages of " + pageSize);
        }
        if (image.header().regionSize() != length || image.header().pageSize() != pageSize) {
            throw new IllegalArgumentException("image header does not describe this region");
        }
        this.uffd = uffd;
        this.start = start;
        this.pageSize = pageSize;
        this.pages = Math.toIntExact(length / pageSize);
        this.current = current;
        this.absent = absent;
        this.image = image;
        this.options = options;
        this.state = new AtomicIntegerArray(pages);
        this.slots = new SlotPool(options.bufferBytes(), pageSize);
        this.saved = new SavedPages(slots.capacity());
        this.deferred = new DeferredFaults(pages);
        if (writtenAfterInstant != null && writtenAfterInstant.size() != pages) {
            throw new IllegalArgumentException("the written-page set holds " + writtenAfterInstant.size()
                    + " pages, the range " + pages);
        }
        this.writtenAfterInstant = writtenAfterInstant != null ? writtenAfterInstant : new AtomicBitSet(pages);
        this.reserveForFaults = Math.max(1, slots.capacity() / 4);
    }

    /**
     * The snapshot instant: write-protects the range and records which pages are absent. Call while the
     * region's writers are quiesced; {@code presentAtInstant} gives the present pages (e.g. from
     * PAGEMAP_SCAN of the writing process) and is consulted after protecting.
     */
    public void arm(java.util.function.Supplier<BitSet> presentAtInstant) throws IOException {
        long t0 = System.nanoTime();
        uffd.resolver().writeProtect(start, (long) pages * pageSize, PROTECT);
        uffd.resolver().progress().orThrow();
        armNanos = System.nanoTime() - t0;
        armedAt = t0;
        long s0 = System.nanoTime();
        BitSet present = presentAtInstant.get();
        scanNanos = System.nanoTime() - s0;
        BitSet abs = new BitSet(pages);
        abs.set(0, pages);
        abs.andNot(present);
        absentAtInstant = abs;
        if (absent == null) {
            for (int p = abs.nextSetBit(0); p >= 0; p = abs.nextSetBit(p + 1)) {
                image.markZero(p);
                state.set(p, SAVED);
                zeroAtInstant++;
            }
        }
    }

    /** Starts the background saver and the image writer; writers may resume. */
    public void start() {
        saverThread = Thread.ofPlatform().daemon().name("uffd4j-snapshot-saver").start(this::saverLoop);
        writerThread = Thread.ofPlatform().daemon().name("uffd4j-snapshot-writer").start(this::writerLoop);
    }

    /** Completes with the image, or exceptionally with why the snapshot was abandoned. */
    public CompletableFuture<ImageInfo> completion() {
        return completion;
    }

    public boolean isActive() {
        return !completion.isDone();
    }

    /**
     * A write fault at {@code address} (on the fault-serving thread). Saves the page if needed, then
     * unprotects and wakes it, and returns true. Returns false when another thread will wake the writer:
     * the page is being saved right now (its saver unprotects and wakes it), or there is no buffer space
     * and the page waits until the image writer frees a slot (the writer is throttled). The caller then
     * leaves the fault pending (FaultServer: {@code fault.defer()}).
     */
    public boolean onWriteFault(long address, Resolver resolver) {
        int page = (int) ((address - start) / pageSize);
        if (page < 0 || page >= pages) {
            return false;
        }
        if (aborted) {
            unprotect(resolver, page, 1);
            return true;
        }
        return switch (saveForFault(page, resolver)) {
            case DONE -> true;
            case BEING_SAVED -> false;
            case NO_SPACE -> {
                deferredCount.incrementAndGet();
                deferred.add(page);
                saved.wakeTaker();
                yield false;
            }
        };
    }

    private enum FaultSave { DONE, BEING_SAVED, NO_SPACE }

    private FaultSave saveForFault(int page, Resolver resolver) {
        for (;;) {
            int s = state.get(page);
            if (s == SAVED) {
                // Saved by the background saver (or zero at the instant) and still protected.
                letWriteThrough(resolver, page);
                return FaultSave.DONE;
            }
            if (s == SAVING) {
                return FaultSave.BEING_SAVED;
            }
            int slot = slots.tryAcquire();
            if (slot < 0) {
                return FaultSave.NO_SPACE;
            }
            if (saveWithSlot(page, slot, resolver)) {
                return FaultSave.DONE;
            }
        }
    }

    /**
     * Saves {@code page} into {@code slot} if it is still unsaved, then unprotects and wakes it. Returns
     * true when the page is dealt with (the slot was used, or released because another thread saved the
     * page), false if the page changed state under us (the caller retries).
     */
    private boolean saveWithSlot(int page, int slot, Resolver resolver) {
        if (!state.compareAndSet(page, UNSAVED, SAVING)) {
            slots.release(slot);
            int s = state.get(page);
            if (s == SAVED) {
                letWriteThrough(resolver, page);
            }
            // SAVING: whoever saves it unprotects and wakes it.
            return s != UNSAVED;
        }
        MemorySegment[] dst = FAULT_DESTINATION.get();
        dst[0] = slots.segment(slot);
        try {
            readInto(page, 1, dst);
        } catch (IOException | RuntimeException e) {
            state.set(page, UNSAVED);
            slots.release(slot);
            fail(e);
            unprotect(resolver, page, 1);
            return true;
        }
        state.set(page, SAVED);
        saved.put(page, slot);
        savedByFault.incrementAndGet();
        letWriteThrough(resolver, page);
        return true;
    }

    /**
     * Lets a faulting write to a saved page go on: records the page as written after the instant first
     * (whoever saved it), then unprotects and wakes it.
     */
    private void letWriteThrough(Resolver resolver, int page) {
        writtenAfterInstant.set(page);
        unprotect(resolver, page, 1);
    }

    private void readInto(int firstPage, int n, MemorySegment[] destinations) throws IOException {
        boolean isAbsent = absentAtInstant.get(firstPage);
        (isAbsent && absent != null ? absent : current).readPages(firstPage, n, destinations);
    }

    private void unprotect(Resolver resolver, int firstPage, int n) {
        Errno e = resolver.writeProtect(start + firstPage * pageSize, n * pageSize, UNPROTECT);
        if (e != Errno.NONE && e != Errno.ENOENT) {
            LOG.log(System.Logger.Level.WARNING, "unprotecting pages " + firstPage + "+" + n + ": " + resolver.failure().getMessage());
        }
    }

    /** Walks the range, saving runs of unsaved pages of the same kind (present or absent at the instant). */
    private void saverLoop() {
        Resolver resolver = uffd.newResolver();
        MemorySegment[] dst = new MemorySegment[options.runPages()];
        int[] runSlots = new int[options.runPages()];
        try {
            int p = 0;
            while (p < pages && !aborted) {
                if (state.get(p) != UNSAVED) {
                    p++;
                    continue;
                }
                int got = slots.acquireUpTo(options.runPages(), reserveForFaults, 100, runSlots);
                if (got == 0) {
                    continue;
                }
                int n = 0;
                boolean kind = absentAtInstant.get(p);
                while (n < got && p + n < pages && absentAtInstant.get(p + n) == kind
                        && state.compareAndSet(p + n, UNSAVED, SAVING)) {
                    dst[n] = slots.segment(runSlots[n]);
                    n++;
                }
                slots.releaseAll(runSlots, n, got - n);
                if (n == 0) {
                    p++;
                    continue;
                }
                readInto(p, n, dst);
                for (int k = 0; k < n; k++) {
                    state.set(p + k, SAVED);
                }
                saved.putRun(p, runSlots, n);
                savedBySaver.addAndGet(n);
                if (options.unprotectSaved()) {
                    unprotect(resolver, p, n);
                } else {
                    // Writers that faulted while the run was being saved wait for us: let them retry (their
                    // page is saved now, so their next fault unprotects it).
                    resolver.wake(start + p * pageSize, n * pageSize);
                }
                p += n;
            }
            saverDoneAt = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            fail(e);
        } catch (InterruptedException e) {
            fail(e);
        }
    }

    /** Drains saved pages into the image, finishes faults deferred for lack of buffer, completes the image. */
    private void writerLoop() {
        Resolver resolver = uffd.newResolver();
        int batch = 64;
        long[] pageOut = new long[batch];
        int[] slotOut = new int[batch];
        MemorySegment[] contents = new MemorySegment[batch];
        long recorded = zeroAtInstant;
        try {
            while (recorded < pages && !aborted) {
                int n = saved.takeBatch(10_000_000L, pageOut, slotOut, batch);
                if (n > 0) {
                    for (int k = 0; k < n; k++) {
                        contents[k] = slots.segment(slotOut[k]);
                    }
                    image.writePages(pageOut, contents, n);
                    recorded += n;
                    for (int k = 0; k < n; k++) {
                        // A throttled writer gets the freed slot before the background saver can take it;
                        // saveWithSlot either uses the slot or gives it back.
                        int page = deferred.poll();
                        if (page < 0) {
                            slots.release(slotOut[k]);
                        } else if (!saveWithSlot(page, slotOut[k], resolver)) {
                            deferred.add(page);
                        }
                    }
                }
                int page;
                while (slots.hasFree() && (page = deferred.poll()) >= 0) {
                    if (saveForFault(page, resolver) == FaultSave.NO_SPACE) {
                        deferred.add(page);
                        break;
                    }
                }
            }
            if (!aborted) {
                writtenAt = System.nanoTime();
                ImageInfo info = image.complete();
                finishedAt = System.nanoTime();
                completion.complete(info);
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        } catch (InterruptedException e) {
            fail(e);
        } finally {
            if (aborted) {
                finishAbort(resolver);
            }
        }
    }

    /**
     * The application dropped [offset, offset + length) of the region (a REMOVE event). Pages not yet
     * saved lose their instant contents, so the snapshot cannot be exact: it is abandoned.
     */
    public void onRemoved(long address, long length) {
        int first = (int) Math.max(0, (address - start) / pageSize);
        int last = (int) Math.min(pages, (address + length - start + pageSize - 1) / pageSize);
        for (int p = first; p < last; p++) {
            if (state.get(p) != SAVED) {
                fail(new IllegalStateException("pages of the region were dropped (MADV_DONTNEED/REMOVE) before "
                        + "the snapshot saved them; their contents at the instant are lost, so the snapshot is abandoned"));
                return;
            }
        }
    }

    /** Abandons the snapshot: unprotects everything, deletes the partial image. */
    public void abort(String reason) {
        fail(new IllegalStateException(reason));
    }

    private void fail(Throwable why) {
        synchronized (this) {
            if (aborted || completion.isDone()) {
                return;
            }
            aborted = true;
        }
        LOG.log(System.Logger.Level.ERROR, "snapshot abandoned: " + why);
        saved.wakeTaker();
        if (writerThread == null || Thread.currentThread() == writerThread) {
            finishAbort(uffd.newResolver());
        }
        completion.completeExceptionally(why);
    }

    private void finishAbort(Resolver resolver) {
        image.abort();
        Errno e = resolver.writeProtect(start, (long) pages * pageSize, UNPROTECT);
        if (e != Errno.NONE) {
            LOG.log(System.Logger.Level.ERROR, "unprotecting the region after an abandoned snapshot failed: "
                    + resolver.failure().getMessage());
        }
        int page;
        while ((page = deferred.poll()) >= 0) {
            resolver.wake(start + page * pageSize, pageSize);
        }
    }

    /**
     * Pages written after the instant (each write faulted: its page was saved copy-on-write, or had been
     * saved already and was still protected). With
     * {@link SnapshotOptions#unprotectSaved()} off, every other page stays write-protected after the
     * snapshot, so these are exactly the pages that changed since the image: the start of dirty tracking
     * for an incremental snapshot.
     */
    public BitSet writtenAfterInstant() {
        return writtenAfterInstant.toBitSet();
    }

    /** Nanoseconds from the instant to: the saver's end, the last page written, the image completed (synced). */
    public String timeline() {
        return String.format("saver %.1f ms, written %.1f ms, completed %.1f ms", (saverDoneAt - armedAt) / 1e6,
                (writtenAt - armedAt) / 1e6, (finishedAt - armedAt) / 1e6);
    }

    /** Time the presence scan at the instant took. */
    public long scanNanos() {
        return scanNanos;
    }

    public SnapshotStats stats() {
        long total = finishedAt > 0 ? finishedAt - armedAt : System.nanoTime() - armedAt;
        return new SnapshotStats(pages, savedByFault.get(), savedBySaver.get(), zeroAtInstant, deferredCount.get(),
                slots.peakBytes(), armNanos, armedAt == 0 ? 0 : total);
    }

    /** Waits for the threads and frees the buffer (abandoning the snapshot if it is still running). */
    @Override
    public void close() {
        if (isActive()) {
            abort("snapshot closed before it completed");
        }
        for (Thread t : new Thread[] {saverThread, writerThread}) {
            if (t != null) {
                try {
                    t.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        slots.close();
    }
}
