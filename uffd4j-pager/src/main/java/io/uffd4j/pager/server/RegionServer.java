package io.uffd4j.pager.server;

import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.EventBatch;
import io.uffd4j.Modes;
import io.uffd4j.PoisonMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.ZeroPageMode;
import io.uffd4j.error.Errno;
import io.uffd4j.event.EventType;
import io.uffd4j.event.FaultKind;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.ipc.Poller;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memory;
import io.uffd4j.pager.Backing;
import io.uffd4j.pager.RegionStats;
import io.uffd4j.pager.protocol.RegionSpec;
import io.uffd4j.pager.source.Checksums;
import io.uffd4j.pager.source.PageReadException;
import io.uffd4j.pager.source.PageSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Serves one region of an application process from inside the pager: one thread reads the region's
 * userfaultfd and resolves demand faults first (COPY / ZEROPAGE, or writing the page cache and CONTINUE
 * for shared memfd regions); when no message is waiting it does one bounded run of background fill
 * chosen by the {@link Prefetcher} (DONTWAKE, EEXIST skipped: pages already there are never replaced).
 *
 * <p>It never touches the application's memory (only ioctls on the descriptor) and never waits on the
 * application. The fault path allocates nothing: reused native buffers, the reused {@link EventBatch}
 * and {@link Resolver}, primitive bitmaps and counters, an HdrHistogram {@link Recorder}.
 */
final class RegionServer implements Runnable {
    private static final System.Logger LOG = System.getLogger(RegionServer.class.getName());
    static final int MAX_RUN = 256;
    static final int RUNS_PER_STEP = 16;
    private static final Modes<CopyMode> COPY_WAKE = Modes.none();
    private static final Modes<CopyMode> COPY_DONTWAKE = Modes.of(CopyMode.DONTWAKE);
    private static final Modes<CopyMode> COPY_WP_WAKE = Modes.of(CopyMode.WP);
    private static final Modes<CopyMode> COPY_WP_DONTWAKE = Modes.of(CopyMode.WP, CopyMode.DONTWAKE);
    private static final Modes<ZeroPageMode> ZERO_WAKE = Modes.none();
    private static final Modes<ZeroPageMode> ZERO_DONTWAKE = Modes.of(ZeroPageMode.DONTWAKE);
    private static final Modes<ContinueMode> CONT_WAKE = Modes.none();
    private static final Modes<ContinueMode> CONT_DONTWAKE = Modes.of(ContinueMode.DONTWAKE);
    private static final Modes<ContinueMode> CONT_WP_WAKE = Modes.of(ContinueMode.WP);
    private static final Modes<ContinueMode> CONT_WP_DONTWAKE = Modes.of(ContinueMode.WP, ContinueMode.DONTWAKE);
    private static final Modes<io.uffd4j.WriteProtectMode> UNPROTECT = Modes.none();
    private static final Modes<PoisonMode> POISON_WAKE = Modes.none();

    private static final String SHARED_CHILD = "a forked child's copy of a shared-memfd region is not served"
            + " (the parent's pager writes the same page cache); use PRIVATE_ANONYMOUS for regions that forked children read";

    // outcomes of fill()
    private static final int DONE = 0;
    private static final int RETRY = 1;
    private static final int FAILED = 2;
    private static final int GONE = 3;

    /** Where failures go (the worker sends them to the supervisor, which tells the application). */
    interface Reporter {
        void failure(long regionId, long offset, String reason);

        /**
         * A forked child's copy of region {@code parentId} is about to be served from {@code childUffd}
         * (still open: called before the child's server starts); returns the key the child is known by.
         */
        default long childAdopted(long parentId, RegionSpec childSpec, int childUffd) {
            return 0;
        }

        /** The child served under {@code key} is gone and its server has released everything. */
        default void childEnded(long key) {}
    }

    final long id;
    final RegionSpec spec;
    private final Userfaultfd uffd;
    private final PageSource source;
    /** Closes the source after this server and its forked children's servers end; null if someone else owns it. */
    private SharedSource sharedSource;
    private final AddressSpaceProbe liveness;
    private final Mapping view;
    private final MemorySegment viewSegment;
    private final long viewAddress;
    private final MemorySegment journal;
    private final boolean shared;
    private final boolean poisonAll;
    private final boolean recovering;
    private final boolean child;
    private final Userfaultfd tracking;
    private final EventBatch trackingBatch;
    final Extensions extensions;
    /** Where write-protect faults go (an extension), or null: unprotect and wake. */
    volatile io.uffd4j.pager.spi.RegionExtension<?, ?, ?> writeProtectHandler;
    /** Fill pages write-protected (COPY/CONTINUE with WP), so that writes to them are caught. */
    volatile boolean protectFills;
    private final Reporter reporter;
    private final EventFd stop = EventFd.create();
    private final Thread thread;
    private volatile boolean running = true;
    /** System.nanoTime() when the current fault or run started, 0 when idle (read by heartbeats). */
    volatile long busySince;

    private long base;
    /** A forked child's server: the key the worker and supervisor know it by (set before it starts). */
    private long childKey;
    private final long length;
    private final long pageSize;
    private final long pages;
    private final PageBitmap filled;
    private final PageBitmap dropped;
    private final Prefetcher prefetcher;
    private final FirstTouchLog touchLog;
    private final PageBitmap touched;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final ByteBuffer bufferView;
    private final MemorySegment zeroPage;
    private final MemorySegment residency;
    private final CRC32C crc = new CRC32C();
    /**
     * The resolver of the descriptor the range is registered with (a fault is resolved and its thread
     * woken through the descriptor it waits on): the main one, or the tracking one after an extension
     * moved the range there. Used only by the server thread.
     */
    private Resolver resolver;
    private final Resolver mainResolver;
    private final Resolver trackingResolver;
    /** Set by extensions when they move the range between the two descriptors. */
    volatile boolean trackingActive;
    private final EventBatch batch = new EventBatch(64);
    private final long[] retryAddress = new long[4096];
    private final boolean[] retryMinor = new boolean[4096];
    private int retryCount;
    private boolean gone;
    private String lastFailure;
    private final long startNanos = System.nanoTime();

    // counters: written by the server thread only
    private volatile long demandFaults;
    private volatile long minorFaults;
    private volatile long zeroFaults;
    private volatile long prefetched;
    private volatile long alreadyPresent;
    private volatile long removedPages;
    private volatile long events;
    private volatile long readFailures;
    private volatile long poisoned;
    private volatile long resident;
    private volatile long fullyResidentAfter = -1;
    /** Fixed range: an auto-resizing recorder allocates when a value falls outside its current range. */
    private static final long MAX_TRACKED_NANOS = 600_000_000_000L;
    /**
     * Service times (about 250 KiB each at 3 digits); a forked child's server keeps a 1-digit pair (5 KiB):
     * nobody can ask for a child's stats, and a FORK-launching application may have hundreds of children.
     */
    private final Recorder latency;
    private final Histogram latencyTotal;

    RegionServer(long id, RegionSpec spec, Userfaultfd uffd, PageSource source, boolean ownsSource, Mapping view,
                 MemorySegment journal, boolean recovering, boolean poisonAll, boolean child, Reporter reporter) {
        this(id, spec, uffd, null, source, ownsSource, view, journal, recovering, poisonAll, child, reporter);
    }

    RegionServer(long id, RegionSpec spec, Userfaultfd uffd, Userfaultfd tracking, PageSource source, boolean ownsSource,
                 Mapping view, MemorySegment journal, boolean recovering, boolean poisonAll, boolean child, Reporter reporter) {
        this.tracking = tracking;
        this.trackingBatch = tracking != null ? new EventBatch(64) : null;
        this.extensions = new Extensions(this);
        this.id = id;
        this.spec = spec;
        this.uffd = uffd;
        this.source = source;
        this.sharedSource = ownsSource ? new SharedSource(source) : null;
        this.liveness = new AddressSpaceProbe(spec.pageSize());
        this.view = view;
        this.viewSegment = view != null ? view.segment() : null;
        this.viewAddress = view != null ? view.address() : 0;
        this.journal = journal;
        this.shared = spec.backing() == Backing.SHARED_MEMFD;
        this.poisonAll = poisonAll;
        this.recovering = recovering;
        this.child = child;
        this.reporter = reporter;
        this.base = spec.start();
        this.length = spec.length();
        this.pageSize = spec.pageSize();
        this.pages = length / pageSize;
        this.filled = new PageBitmap(pages);
        this.dropped = new PageBitmap(pages);
        this.mainResolver = uffd.newResolver();
        this.trackingResolver = tracking != null ? tracking.newResolver() : null;
        this.resolver = mainResolver;
        int digits = child ? 1 : 3;
        this.latency = new Recorder(1, MAX_TRACKED_NANOS, digits);
        this.latencyTotal = new Histogram(1, MAX_TRACKED_NANOS, digits);
        // A child is served on demand only, one page per fault: no run buffer.
        this.buffer = arena.allocate((child ? 1 : MAX_RUN) * pageSize, pageSize);
        this.bufferView = buffer.asByteBuffer();
        this.zeroPage = arena.allocate(pageSize, pageSize);
        this.residency = arena.allocate(MAX_RUN, 8);
        this.prefetcher = prefetcher(spec, pages);
        if (spec.recordFirstTouch() != null && !child) {
            this.touchLog = new FirstTouchLog((int) Math.min(pages, 1 << 16));
            this.touched = new PageBitmap(pages);
        } else {
            this.touchLog = null;
            this.touched = null;
        }
        this.thread = Thread.ofPlatform().daemon().name("uffd4j-pager-region-" + id + (child ? "-fork" : "")).unstarted(this);
    }

    private static Prefetcher prefetcher(RegionSpec spec, long pages) {
        return switch (spec.prefetch()) {
            case NONE -> new Prefetcher.None();
            case SEQUENTIAL -> new Prefetcher.Sequential(4, MAX_RUN);
            case POSTCOPY -> new Prefetcher.Postcopy(64);
            case REPLAY -> {
                try {
                    yield new Prefetcher.Replay(FirstTouchLog.read(spec.replayFrom(), spec.pageSize()), MAX_RUN);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot read the first-touch recording " + spec.replayFrom() + ": " + e.getMessage(), e);
                }
            }
        };
    }

    void start() {
        thread.start();
    }

    // ---- the loop --------------------------------------------------------------------------------

    @Override
    public void run() {
        try (Poller poller = tracking != null ? new Poller(uffd.fd(), stop.fd(), tracking.fd()) : new Poller(uffd.fd(), stop.fd())) {
            if (recovering) {
                recover();
            }
            // Ends when closed, or when the address space it serves is gone (nothing can fault again).
            while (running && !gone) {
                int n = uffd.read(batch);
                if (n > 0) {
                    resolver = mainResolver;
                    handleBatch(batch, n);
                }
                if (tracking != null) {
                    int t = tracking.read(trackingBatch);
                    if (t > 0) {
                        resolver = trackingResolver;
                        handleBatch(trackingBatch, t);
                        n += t;
                    }
                }
                resolver = trackingActive ? trackingResolver : mainResolver;
                if (retryCount > 0) {
                    retryPending();
                }
                if (n > 0 || !running) {
                    continue;
                }
                // A forked child is served on demand only: prefetching would copy the whole region into
                // every child, most of which exec or exit at once (launchMechanism=FORK).
                if (!child && !gone && !poisonAll && spec.servesMissing() && backgroundStep()) {
                    continue;
                }
                idle(poller);
            }
        } catch (Throwable t) {
            if (running) {
                LOG.log(System.Logger.Level.ERROR, "pager region " + id + " stopped", t);
                reporter.failure(id, -1, "the pager's server for this region stopped: " + t);
            }
        } finally {
            busySince = 0;
            batch.close();
            if (trackingBatch != null) {
                trackingBatch.close();
            }
            writeTouchLog();
            if (child) {
                // A forked child's server ends with the child; nobody else will close what it holds.
                releaseChildResources();
                uffd.close();
                LOG.log(System.Logger.Level.INFO, "region " + id + ": the forked child is gone; its server stopped");
                reporter.childEnded(childKey);
            } else if (gone) {
                LOG.log(System.Logger.Level.INFO, "region " + id + ": the application's memory is gone; its server stopped"
                        + " (the descriptors are released when the region is closed)");
            }
        }
    }

    /** What a forked child's server holds besides its userfaultfd. */
    private void releaseChildResources() {
        stop.close();
        liveness.close();
        arena.close();
        if (sharedSource != null) {
            sharedSource.release();
        }
    }

    private void idle(Poller poller) {
        int ready = poller.poll(retryCount > 0 ? 1 : 1000);
        if (ready == 0 && retryCount == 0 && liveness.isGone(resolver, base)) {
            // Quiet for a second and the address space is gone (the process exited or exec'd).
            gone = true;
        }
    }

    /**
     * A new pager has not seen what its predecessor read: finish a page-cache write it may have left
     * half done, then wake every waiter so that each faults again and sends a message we will see.
     */
    private void recover() {
        if (journal != null) {
            long count = (long) JAVA_LONG.varHandle().getVolatile(journal, 8L);
            long start = (long) JAVA_LONG.varHandle().getVolatile(journal, 0L);
            if (count > 0 && start >= 0 && start + count <= pages) {
                LOG.log(System.Logger.Level.INFO, "region " + id + ": rewriting " + count + " page(s) at page " + start
                        + " that the previous pager was writing when it stopped");
                for (long p = start; p < start + count; p++) {
                    if (writeCachePage(p) != DONE) {
                        LOG.log(System.Logger.Level.ERROR, "region " + id + ": could not rewrite page " + p + ": " + lastFailure);
                    }
                }
                journalClear();
            }
        }
        if (spec.writeProtect() && !child) {
            restoreRegistration();
        }
        resolver.wake(base, length);
        if (liveness.isGone(resolver, base)) {
            gone = true;
        }
    }

    /**
     * After a restart, the region may still be registered with the tracking descriptor, or write-protected
     * by a snapshot that died with the old worker: register it back with the main descriptor and
     * unprotect it, so that no writer waits for an extension that is gone.
     */
    private void restoreRegistration() {
        if (tracking != null) {
            try {
                tracking.unregister(base, length);
                uffd.register(base, length, registerModes(spec));
                LOG.log(System.Logger.Level.INFO, "region " + id + ": moved back from the tracking descriptor");
            } catch (RuntimeException notRegisteredThere) {
                // registered with the main descriptor already
            }
        }
        Errno e = resolver.writeProtect(base, length, UNPROTECT);
        if (e != Errno.NONE && e != Errno.ESRCH) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": unprotecting on recovery failed: " + e);
        }
    }

    static java.util.Set<io.uffd4j.RegisterMode> registerModes(RegionSpec spec) {
        return spec.registerModes();
    }

    private void handleBatch(EventBatch b, int n) {
        for (int i = 0; i < n; i++) {
            if (b.isPageFault(i)) {
                long t0 = System.nanoTime();
                FaultKind kind = b.faultKind(i);
                if (kind == FaultKind.WRITE_PROTECT) {
                    serveWriteProtect(b.faultAddress(i));
                } else {
                    serveDemand(b.faultAddress(i), kind == FaultKind.MINOR);
                }
                latency.recordValue(Math.min(MAX_TRACKED_NANOS, Math.max(1, System.nanoTime() - t0)));
            } else {
                handleEvent(b, i);
            }
        }
    }

    /**
     * A write to a write-protected page: the extension that asked for these faults decides (a snapshot
     * saves the page first); without one, the page is unprotected and the writer continues.
     */
    private void serveWriteProtect(long address) {
        io.uffd4j.pager.spi.RegionExtension<?, ?, ?> h = writeProtectHandler;
        long pageAddress = address & -pageSize;
        if (h != null) {
            try {
                h.onWriteProtectFault(address, resolver);
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "region " + id + ": write-protect handler failed; unprotecting", e);
            }
        }
        Errno e = resolver.writeProtect(pageAddress, pageSize, UNPROTECT);
        if (e != Errno.NONE && e != Errno.ESRCH && e != Errno.ENOENT) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": unprotecting after a write fault failed: " + e);
        }
    }

    private void retryPending() {
        int n = retryCount;
        for (int k = 0; k < n; k++) {
            long address = retryAddress[0];
            boolean minor = retryMinor[0];
            retryCount--;
            System.arraycopy(retryAddress, 1, retryAddress, 0, retryCount);
            System.arraycopy(retryMinor, 1, retryMinor, 0, retryCount);
            serveDemand(address, minor);
        }
    }

    private void queueRetry(long address, boolean minor) {
        if (retryCount == retryAddress.length) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": retry queue full; the faulting thread is woken to fault again");
            wakeQuietly(address & -pageSize);
            return;
        }
        retryAddress[retryCount] = address;
        retryMinor[retryCount] = minor;
        retryCount++;
    }

    // ---- demand faults ---------------------------------------------------------------------------

    private void serveDemand(long address, boolean minor) {
        if (address < base || address - base >= length) {
            wakeQuietly(address & -pageSize);
            return;
        }
        long page = (address - base) / pageSize;
        busySince = System.nanoTime() | 1;
        try {
            demandFaults++;
            if (poisonAll) {
                giveUp(page, "the pager gave up on this region after repeated failures (see earlier reports)");
                return;
            }
            if (child && shared) {
                // The child maps the parent's page cache: its server and the parent's would both write it, and
                // either could map a page the other is still writing. Fail loudly instead (no view is held here).
                giveUp(page, SHARED_CHILD);
                return;
            }
            if (touchLog != null && !touched.get(page)) {
                touched.set(page);
                touchLog.add(page);
            }
            prefetcher.onDemandFault(page);
            if (minor) {
                // The page is in the page cache: map it, never rewrite it (the application may have written it).
                minorFaults++;
                int r = continueRun(page, 1, false);
                if (r == RETRY) {
                    queueRetry(address, true);
                } else if (r == FAILED) {
                    giveUp(page, lastFailure);
                }
                return;
            }
            for (int attempt = 1; ; attempt++) {
                int r = fill(page, 1, false);
                if (r == DONE || r == GONE) {
                    return;
                }
                if (r == RETRY) {
                    queueRetry(address, false);
                    return;
                }
                readFailures++;
                if (attempt >= Math.max(1, spec.attempts())) {
                    giveUp(page, lastFailure + " (after " + attempt + " attempts)");
                    return;
                }
            }
        } finally {
            busySince = 0;
        }
    }

    /** Loud failure: the page is poisoned, so the access throws instead of reading wrong bytes or waiting forever. */
    private void giveUp(long page, String reason) {
        long address = base + page * pageSize;
        Errno e = resolver.poison(address, pageSize, POISON_WAKE);
        if (e == Errno.NONE) {
            poisoned++;
            reporter.failure(id, page * pageSize, reason);
            LOG.log(System.Logger.Level.ERROR, "region " + id + ": page at offset " + page * pageSize + " poisoned: " + reason);
        } else if (e == Errno.EEXIST) {
            filled.set(page);
            wakeQuietly(address);
        } else if (e == Errno.EAGAIN) {
            queueRetry(address, false);
        } else {
            reporter.failure(id, page * pageSize, reason + "; UFFDIO_POISON also failed (" + e + "), the access keeps waiting");
        }
    }

    // ---- filling ---------------------------------------------------------------------------------

    /** Fills [page, page + n) from the source; the pages already there are skipped, never replaced. */
    private int fill(long page, int n, boolean background) {
        return shared ? fillShared(page, n, background) : fillPrivate(page, n, background);
    }

    private int fillPrivate(long page, int n, boolean background) {
        long off = page * pageSize;
        long len = n * pageSize;
        if (source.isZero(off, len)) {
            zeroFaults += background ? 0 : 1;
            if (!protectFills) {
                return resolveRun(page, n, 0, background, true);
            }
            // ZEROPAGE has no WP mode: copy zeros instead, so a later write is still caught.
            buffer.asSlice(0, len).fill((byte) 0);
            return resolveRun(page, n, buffer.address(), background, false);
        }
        long src = source.hasChecksums() ? 0 : source.directAddress(off, len);
        if (src == 0) {
            if (!readVerified(off, len, buffer, 0)) {
                return FAILED;
            }
            src = buffer.address();
        }
        return resolveRun(page, n, src, background, false);
    }

    /** COPY (or ZEROPAGE) of a run, stepping over pages that are already present. */
    private int resolveRun(long page, int n, long src, boolean background, boolean zero) {
        long dst = base + page * pageSize;
        long len = n * pageSize;
        long done = 0;
        while (done < len) {
            Errno e = zero
                    ? resolver.zeroPage(dst + done, len - done, background ? ZERO_DONTWAKE : ZERO_WAKE)
                    : resolver.copy(dst + done, src + done, len - done, protectFills
                            ? (background ? COPY_WP_DONTWAKE : COPY_WP_WAKE) : (background ? COPY_DONTWAKE : COPY_WAKE));
            long k = resolver.bytesDone();
            if (e == Errno.NONE) {
                markFilled(page + done / pageSize, (len - done) / pageSize, background);
                return DONE;
            }
            if (k > 0) {
                markFilled(page + done / pageSize, k / pageSize, background);
                done += k;
                continue;
            }
            int r = onError(e, page + done / pageSize, background);
            if (r != DONE) {
                return r;
            }
            done += pageSize;
        }
        return DONE;
    }

    /** EEXIST: the page is there already (skip it, wake its waiters); anything else ends the run. */
    private int onError(Errno e, long page, boolean background) {
        switch (e) {
            case EEXIST -> {
                alreadyPresent++;
                if (!filled.get(page)) {
                    filled.set(page);
                    resident = filled.count();
                }
                if (!background) {
                    wakeQuietly(base + page * pageSize);
                }
                return DONE;
            }
            case EAGAIN -> {
                return RETRY;
            }
            case ENOENT -> {
                // No longer registered or mapped (an UNMAP event is on its way): nothing to serve.
                dropped.set(page);
                return GONE;
            }
            case ESRCH -> {
                gone = true;
                return GONE;
            }
            default -> {
                lastFailure = resolver.failure().getMessage();
                return FAILED;
            }
        }
    }

    private void markFilled(long page, long n, boolean background) {
        filled.setRange(page, n);
        resident = filled.count();
        if (background) {
            prefetched += n;
        }
    }

    /** Reads and verifies [off, off + len) into {@code dst} at {@code dstOffset}; false with lastFailure set. */
    private boolean readVerified(long off, long len, MemorySegment dst, long dstOffset) {
        try {
            source.read(off, dst, dstOffset, len);
        } catch (PageReadException e) {
            lastFailure = "the page source failed: " + e.getMessage();
            return false;
        } catch (RuntimeException e) {
            lastFailure = "the page source failed: " + e;
            return false;
        }
        if (source.hasChecksums() && dst == buffer) {
            for (long o = 0; o < len; o += pageSize) {
                long page = (off + o) / pageSize;
                long want = source.checksum(page, pageSize);
                if (want != PageSource.NO_CHECKSUM) {
                    long got = Checksums.crc32c(crc, bufferView, dstOffset + o, (int) pageSize);
                    if (got != want) {
                        lastFailure = "page " + page + " failed verification: CRC32C " + Long.toHexString(got)
                                + ", expected " + Long.toHexString(want);
                        return false;
                    }
                }
            }
        }
        return true;
    }

    // ---- shared memfd: write the page cache, then CONTINUE ---------------------------------------

    private int fillShared(long page, int n, boolean background) {
        long off = page * pageSize;
        Memory.residency(viewAddress + off, n * pageSize, residency);
        int i = 0;
        while (i < n) {
            if ((residency.get(JAVA_BYTE, i) & 1) != 0) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < n && (residency.get(JAVA_BYTE, j) & 1) == 0) {
                j++;
            }
            int r = writeCacheRun(page + i, j - i);
            if (r != DONE) {
                return r;
            }
            i = j;
        }
        if (!background) {
            zeroFaults += source.isZero(off, n * pageSize) ? 1 : 0;
        }
        return continueRun(page, n, background);
    }

    private int writeCachePage(long page) {
        return writeCacheRun(page, 1);
    }

    /**
     * Writes [page, page + n), which are not in the page cache (so not mapped anywhere), straight into the
     * cache through the pager's own mapping. The journal names the run while it is being written, so a
     * pager that dies half way is followed by one that rewrites it before anything maps it.
     */
    private int writeCacheRun(long page, int n) {
        long off = page * pageSize;
        long len = n * pageSize;
        journalSet(page, n);
        if (source.isZero(off, len)) {
            for (long o = 0; o < len; o += pageSize) {
                MemorySegment.copy(zeroPage, 0, viewSegment, off + o, pageSize);
            }
        } else if (source.hasChecksums()) {
            if (!readVerified(off, len, buffer, 0)) {
                journalClear();
                return FAILED;
            }
            MemorySegment.copy(buffer, 0, viewSegment, off, len);
        } else if (!readVerified(off, len, viewSegment, off)) {
            // Nothing maps these pages; a partly written run stays unmapped and is rewritten by the next attempt.
            journalClear();
            return FAILED;
        }
        journalClear();
        return DONE;
    }

    private void journalSet(long page, long n) {
        if (journal != null) {
            JAVA_LONG.varHandle().setVolatile(journal, 0L, page);
            JAVA_LONG.varHandle().setVolatile(journal, 8L, n);
        }
    }

    private void journalClear() {
        if (journal != null) {
            JAVA_LONG.varHandle().setVolatile(journal, 8L, 0L);
        }
    }

    private int continueRun(long page, int n, boolean background) {
        long dst = base + page * pageSize;
        long len = n * pageSize;
        long done = 0;
        while (done < len) {
            Errno e = resolver.continueRange(dst + done, len - done, protectFills
                    ? (background ? CONT_WP_DONTWAKE : CONT_WP_WAKE) : (background ? CONT_DONTWAKE : CONT_WAKE));
            long k = resolver.bytesDone();
            if (e == Errno.NONE) {
                markFilled(page + done / pageSize, (len - done) / pageSize, background);
                return DONE;
            }
            if (k > 0) {
                markFilled(page + done / pageSize, k / pageSize, background);
                done += k;
                continue;
            }
            if (e == Errno.EFAULT) {
                // Not in the page cache (the application removed it meanwhile): write it again, then map it.
                long p = page + done / pageSize;
                Memory.residency(viewAddress + p * pageSize, pageSize, residency);
                if ((residency.get(JAVA_BYTE, 0) & 1) == 0) {
                    int r = writeCachePage(p);
                    if (r != DONE) {
                        return r;
                    }
                }
                continue;
            }
            int r = onError(e, page + done / pageSize, background);
            if (r != DONE) {
                return r;
            }
            done += pageSize;
        }
        return DONE;
    }

    // ---- background fill -------------------------------------------------------------------------

    /**
     * One bounded step of background fill: runs chosen by the prefetcher, at most {@link #MAX_RUN} pages
     * or {@link #RUNS_PER_STEP} runs, so that a demand fault waits at most about one step.
     */
    private boolean backgroundStep() {
        int pagesThisStep = 0;
        for (int k = 0; k < RUNS_PER_STEP && pagesThisStep < MAX_RUN; k++) {
            long start = prefetcher.nextStart(filled, dropped);
            if (start < 0) {
                if (fullyResidentAfter < 0 && filled.nextClearInBoth(0, dropped) < 0) {
                    fullyResidentAfter = System.nanoTime() - startNanos;
                }
                return k > 0;
            }
            int max = Math.max(1, Math.min(prefetcher.window(), MAX_RUN - pagesThisStep));
            int n = 1;
            while (n < max && start + n < pages && !filled.get(start + n) && !dropped.get(start + n)) {
                n++;
            }
            busySince = System.nanoTime() | 1;
            try {
                int r = fill(start, n, true);
                if (r == FAILED) {
                    // Left for demand faults, which retry and, if it keeps failing, fail loudly.
                    readFailures++;
                    dropped.setRange(start, n);
                } else if (r == RETRY || r == GONE) {
                    return true;
                }
                prefetcher.onRunDone(start, n);
            } finally {
                busySince = 0;
            }
            pagesThisStep += n;
        }
        return true;
    }

    // ---- events ----------------------------------------------------------------------------------

    private void handleEvent(EventBatch batch, int i) {
        events++;
        EventType type = batch.type(i);
        switch (type) {
            case REMOVE, UNMAP -> {
                forget(batch.rangeStart(i), batch.rangeEnd(i));
                extensions.removed(batch.rangeStart(i), batch.rangeEnd(i));
            }
            case REMAP -> {
                long from = batch.rangeStart(i);
                long to = batch.rangeEnd(i);
                long len = batch.remapLength(i);
                if (from == base && len == length) {
                    base = to;
                } else {
                    LOG.log(System.Logger.Level.WARNING, "region " + id + ": partial mremap of [0x" + Long.toHexString(from)
                            + "+" + len + ") is not followed; the moved pages are no longer served here");
                    forget(from, from + len);
                }
            }
            case FORK -> adoptFork(batch, i);
            default -> LOG.log(System.Logger.Level.DEBUG, "region " + id + ": ignoring " + type);
        }
    }

    /** The application dropped [start, end): those pages must be served again on their next touch, not refilled now. */
    private void forget(long start, long end) {
        long s = Math.max(start, base);
        long e = Math.min(end, base + length);
        if (e <= s) {
            return;
        }
        long first = (s - base + pageSize - 1) / pageSize;
        long last = (e - base) / pageSize;
        for (long p = first; p < last; p++) {
            if (filled.get(p)) {
                removedPages++;
            }
            filled.clear(p);
            dropped.set(p);
        }
        resident = filled.count();
        fullyResidentAfter = -1;
    }

    /**
     * Serves a forked child's copy of region {@code parentId} whose previous server died with its worker:
     * wake every waiter (their faults may have been read and lost), then serve on demand like any child.
     */
    static RegionServer adoptedChild(long parentId, long key, RegionSpec spec, Userfaultfd uffd, PageSource source,
                                     boolean poisonAll, Reporter reporter) {
        RegionServer c = new RegionServer(parentId, spec, uffd, source, true, null, null, true, poisonAll, true, reporter);
        c.childKey = key;
        return c;
    }

    /** A forked child inherited the region: serve its copy too, from the same source. */
    private void adoptFork(EventBatch batch, int i) {
        Userfaultfd childUffd = batch.claimFork(i);
        if (sharedSource != null && !sharedSource.retain()) {
            childUffd.close();
            reporter.failure(id, -1, "could not serve a forked child's copy of the region: the page source is closed");
            return;
        }
        RegionServer c = null;
        try {
            c = new RegionServer(id, spec, childUffd, source, false, null, null, false, poisonAll, true, reporter);
            c.base = base;
            c.sharedSource = sharedSource;
            // The child's userfaultfd exists only here: hand a copy to the supervisor, which gives it to the
            // next worker if this one dies (otherwise the kernel would drop the child's registration).
            c.childKey = reporter.childAdopted(id, spec.at(base), childUffd.fd());
            LOG.log(System.Logger.Level.INFO, "region " + id + ": serving a forked child's copy");
            c.start(); // last: once it runs, the child's server owns what it holds
        } catch (RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError: no native thread for the child; this region's server must go on.
            if (c != null) {
                c.releaseChildResources();
            } else if (sharedSource != null) {
                sharedSource.release();
            }
            childUffd.close();
            reporter.failure(id, -1, "could not serve a forked child's copy of the region: " + e);
        }
    }

    private void wakeQuietly(long pageAddress) {
        Errno e = resolver.wake(pageAddress, pageSize);
        if (e != Errno.NONE && e != Errno.ESRCH) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": UFFDIO_WAKE failed: " + e);
        }
    }

    // ---- lifecycle and stats ---------------------------------------------------------------------

    private void writeTouchLog() {
        if (touchLog == null) {
            return;
        }
        try {
            touchLog.write(spec.recordFirstTouch(), pageSize);
        } catch (java.io.IOException | RuntimeException e) {
            reporter.failure(id, -1, "could not write the first-touch recording " + spec.recordFirstTouch() + ": " + e);
        }
    }

    synchronized RegionStats stats() {
        latencyTotal.add(latency.getIntervalHistogram());
        Histogram h = latencyTotal;
        return new RegionStats(pages, resident, demandFaults, minorFaults, zeroFaults, prefetched, alreadyPresent,
                removedPages, events, readFailures, poisoned,
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50), h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99),
                h.getMaxValue(), fullyResidentAfter, 0);
    }

    /** Stops the thread and releases the region's descriptors, mapping and source. */
    void close() {
        running = false;
        stop.signal(1);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // Stuck in a source read: the descriptors stay open until the thread returns (never reused under it).
            LOG.log(System.Logger.Level.ERROR, "region " + id + ": server thread did not stop; leaving it behind");
            return;
        }
        extensions.closeAll();
        stop.close();
        uffd.close();
        if (tracking != null) {
            tracking.close();
        }
        if (view != null) {
            view.close();
        }
        if (sharedSource != null) {
            sharedSource.release();
        }
        liveness.close();
        arena.close();
    }

    Thread thread() {
        return thread;
    }
}
