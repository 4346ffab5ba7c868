package io.uffd4j.pager.server;

import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.Errno;
import io.uffd4j.event.ForkEvent;
import io.uffd4j.mm.Mapping;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.protocol.RegionSpec;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultLoop;
import io.uffd4j.serve.FaultStats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Serves one region of an application process from inside the pager, on one thread running the core
 * {@link FaultLoop}: demand faults first ({@link DemandHandler}: COPY / ZEROPAGE, or a page-cache write
 * and CONTINUE for shared memfd regions), background fill when no message waits ({@link BackgroundFill}),
 * the application's memory events ({@link RegionEvents}). A page the source keeps failing on is retried
 * {@code spec.attempts()} times, then poisoned and reported, so the access fails instead of waiting.
 *
 * <p>It never touches the application's memory (only ioctls on the descriptor) and never waits on the
 * application. The loop ends when the region is closed, or when the application's address space is gone.
 */
final class RegionServer implements Runnable {
    private static final System.Logger LOG = System.getLogger(RegionServer.class.getName());
    /** Most pages one background run or read installs. */
    static final int MAX_RUN = 256;
    private static final Modes<WriteProtectMode> UNPROTECT = Modes.none();
    /** How long a quiet loop waits before it checks whether the application's address space is still there. */
    private static final Duration QUIET = Duration.ofSeconds(1);

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
    final Extensions extensions;
    final RegionControls controls = new RegionControls();
    private final RegionSetup setup;
    private final Userfaultfd uffd;
    private final Userfaultfd tracking;
    /** Closes the source after this server and its forked children's servers end; null if someone else owns it. */
    private SharedSource sharedSource;
    private final AddressSpaceProbe liveness;
    private final Arena arena = Arena.ofShared();
    private final RegionPages pages;
    private final PageCacheWriter cache;
    private final DemandHandler demand;
    private final FaultStats stats;
    private final FaultLoop loop;
    private final Thread thread;
    /** A forked child's server: the key the worker and supervisor know it by (set before it starts). */
    private long childKey;

    RegionServer(RegionSetup setup) {
        this(setup, setup.spec().start(), setup.ownsSource() ? new SharedSource(setup.source()) : null);
    }

    private RegionServer(RegionSetup setup, long base, SharedSource sharedSource) {
        this.setup = setup;
        this.id = setup.id();
        this.spec = setup.spec();
        this.uffd = setup.uffd();
        this.tracking = setup.tracking();
        this.sharedSource = sharedSource;
        this.extensions = new Extensions(this);
        this.liveness = new AddressSpaceProbe(spec.pageSize());
        long pageSize = spec.pageSize();
        this.pages = new RegionPages(base, spec.length(), pageSize);
        boolean child = setup.child();
        // A child is served on demand only, one page per fault: no run buffer.
        PageReader reader = new PageReader(setup.source(), pageSize, arena.allocate((child ? 1 : MAX_RUN) * pageSize, pageSize));
        boolean shared = spec.backing() == Backing.SHARED_MEMFD;
        Mapping view = setup.view();
        this.cache = shared && view != null
                ? new PageCacheWriter(id, view.segment(), setup.journal(), reader, pageSize, pages.pages) : null;
        PageFiller filler = new PageFiller(pages, reader, cache, controls, view != null ? view.address() : 0,
                arena.allocate(MAX_RUN, 8));
        Prefetcher prefetcher = Prefetcher.of(spec, pages.pages, MAX_RUN);
        FirstTouchLog touchLog = spec.recordFirstTouch() != null && !child ? new FirstTouchLog((int) Math.min(pages.pages, 1 << 16)) : null;
        String unservable = setup.poisonAll() ? DemandHandler.GAVE_UP
                // The child maps the parent's page cache: its server and the parent's would both write it, and
                // either could map a page the other is still writing. Fail loudly instead.
                : child && shared ? DemandHandler.SHARED_CHILD : null;
        this.demand = new DemandHandler(id, pages, filler, prefetcher, touchLog, controls, unservable);
        // A forked child's server keeps a 1-digit histogram (5 KiB): nobody asks for a child's stats, and a
        // FORK-launching application may have hundreds of children.
        this.stats = new FaultStats(child ? 1 : 3);
        FaultLoop.Builder b = FaultLoop.builder()
                .read(uffd)
                .ranges(pages::find)
                .handler(demand)
                .listener(new RegionEvents(id, pages, extensions, setup.reporter(), this::adoptFork))
                .failurePolicy(new FailurePolicy(Math.max(1, spec.attempts()), Duration.ZERO, QUIET, FailurePolicy.GiveUp.POISON))
                .stats(stats)
                .quietCheck(QUIET, this::stillServing);
        if (tracking != null) {
            b.read(tracking);
        }
        // A forked child is served on demand only: prefetching would copy the whole region into every child,
        // most of which exec or exit at once (launchMechanism=FORK).
        if (!child && !setup.poisonAll() && spec.servesMissing()) {
            b.background(new BackgroundFill(pages, filler, prefetcher, this::activeResolver));
        }
        this.loop = b.build();
        this.thread = Thread.ofPlatform().daemon().name("uffd4j-pager-region-" + id + (child ? "-fork" : "")).unstarted(this);
    }

    /** Serves a forked child's copy of region {@code parentId} whose previous server died with its worker. */
    static RegionServer adoptedChild(long parentId, long key, RegionSpec spec, Userfaultfd uffd,
                                     io.uffd4j.pager.source.PageSource source, boolean poisonAll, Reporter reporter) {
        RegionServer c = new RegionServer(new RegionSetup(parentId, spec, uffd, null, source, true, null, null, true,
                poisonAll, true, reporter));
        c.childKey = key;
        return c;
    }

    void start() {
        thread.start();
    }

    /** The resolver of the descriptor the range is registered with now (an extension may have moved it). */
    private Resolver activeResolver() {
        return loop.resolver(controls.trackingActive && tracking != null ? 1 : 0);
    }

    /** Quiet for a while: go on unless the application's address space is gone (it exited or exec'd). */
    private boolean stillServing() {
        if (!pages.gone && liveness.isGone(activeResolver(), pages.base())) {
            pages.gone = true;
        }
        return !pages.gone;
    }

    @Override
    public void run() {
        try {
            if (setup.recovering()) {
                recover();
            }
            if (!pages.gone) {
                loop.run();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "pager region " + id + " stopped", e);
            setup.reporter().failure(id, -1, "the pager's server for this region stopped: " + e);
        } finally {
            writeTouchLog();
            if (setup.child()) {
                // A forked child's server ends with the child; nobody else will close what it holds.
                releaseChildResources();
                uffd.close();
                LOG.log(System.Logger.Level.INFO, "region " + id + ": the forked child is gone; its server stopped");
                setup.reporter().childEnded(childKey);
            } else if (pages.gone) {
                LOG.log(System.Logger.Level.INFO, "region " + id + ": the application's memory is gone; its server stopped"
                        + " (the descriptors are released when the region is closed)");
            }
        }
    }

    /**
     * A new pager has not seen what its predecessor read: finish a page-cache write it may have left
     * half done, then wake every waiter so that each faults again and sends a message we will see.
     */
    private void recover() {
        if (cache != null) {
            cache.finishInterruptedRun();
        }
        Resolver resolver = loop.resolver(0);
        if (spec.writeProtect() && !setup.child()) {
            restoreRegistration(resolver);
        }
        resolver.wake(pages.base(), pages.length);
        if (liveness.isGone(resolver, pages.base())) {
            pages.gone = true;
        }
    }

    /**
     * After a restart, the region may still be registered with the tracking descriptor, or write-protected
     * by a snapshot that died with the old worker: register it back with the main descriptor and
     * unprotect it, so that no writer waits for an extension that is gone.
     */
    private void restoreRegistration(Resolver resolver) {
        if (tracking != null) {
            try {
                tracking.unregister(pages.base(), pages.length);
                uffd.register(pages.base(), pages.length, spec.registerModes());
                LOG.log(System.Logger.Level.INFO, "region " + id + ": moved back from the tracking descriptor");
            } catch (RuntimeException notRegisteredThere) {
                // registered with the main descriptor already
            }
        }
        Errno e = resolver.writeProtect(pages.base(), pages.length, UNPROTECT);
        if (e != Errno.NONE && e != Errno.ESRCH) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": unprotecting on recovery failed: " + e);
        }
    }

    /** A forked child inherited the region: serve its copy too, from the same source. */
    private void adoptFork(ForkEvent fork) {
        Userfaultfd childUffd = uffd.adoptFork(fork);
        if (sharedSource != null && !sharedSource.retain()) {
            childUffd.close();
            setup.reporter().failure(id, -1, "could not serve a forked child's copy of the region: the page source is closed");
            return;
        }
        RegionServer c = null;
        try {
            c = new RegionServer(setup.forChild(childUffd, false), pages.base(), sharedSource);
            // The child's userfaultfd exists only here: hand a copy to the supervisor, which gives it to the
            // next worker if this one dies (otherwise the kernel would drop the child's registration).
            c.childKey = setup.reporter().childAdopted(id, spec.at(pages.base()), childUffd.fd());
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
            setup.reporter().failure(id, -1, "could not serve a forked child's copy of the region: " + e);
        }
    }

    /** What a forked child's server holds besides its userfaultfd. */
    private void releaseChildResources() {
        liveness.close();
        arena.close();
        if (sharedSource != null) {
            sharedSource.release();
        }
    }

    private void writeTouchLog() {
        FirstTouchLog log = demand.touchLog();
        if (log == null) {
            return;
        }
        try {
            log.write(spec.recordFirstTouch(), spec.pageSize());
        } catch (java.io.IOException | RuntimeException e) {
            setup.reporter().failure(id, -1, "could not write the first-touch recording " + spec.recordFirstTouch() + ": " + e);
        }
    }

    /** System.nanoTime() when the current fault or background run started, 0 when idle (read by heartbeats). */
    long busySince() {
        return loop.busySince();
    }

    RegionStats stats() {
        return pages.stats(stats.snapshot());
    }

    /** Stops the thread and releases the region's descriptors, mapping and source. */
    void close() {
        loop.stop();
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
        uffd.close();
        if (tracking != null) {
            tracking.close();
        }
        if (setup.view() != null) {
            setup.view().close();
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
