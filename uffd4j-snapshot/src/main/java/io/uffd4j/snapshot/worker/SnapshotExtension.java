package io.uffd4j.snapshot.worker;

import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.Errno;
import io.uffd4j.ipc.ProcessControl;
import io.uffd4j.mm.PageRegion;
import io.uffd4j.mm.Pagemap;
import io.uffd4j.mm.PagemapScan;
import io.uffd4j.pager.spi.RegionContext;
import io.uffd4j.pager.spi.ExtensionProtocol;
import io.uffd4j.pager.spi.RegionExtension;
import io.uffd4j.snapshot.Quiesce;
import io.uffd4j.snapshot.SnapshotEvent;
import io.uffd4j.snapshot.SnapshotProtocol;
import io.uffd4j.snapshot.SnapshotReply;
import io.uffd4j.snapshot.SnapshotReply.RegionState;
import io.uffd4j.snapshot.SnapshotRequest;
import io.uffd4j.snapshot.SnapshotResult;
import io.uffd4j.snapshot.image.ImageHeader;
import io.uffd4j.snapshot.image.ImageInfo;
import io.uffd4j.snapshot.image.ImageWriter;
import io.uffd4j.snapshot.image.SnapshotImage;
import io.uffd4j.snapshot.live.AtomicBitSet;
import io.uffd4j.snapshot.live.LiveSnapshot;
import io.uffd4j.snapshot.live.PageReader;
import io.uffd4j.snapshot.live.SnapshotOptions;
import io.uffd4j.snapshot.live.SnapshotStats;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Optional;

/**
 * Live snapshots of one lazy region, inside the pager worker (where the region's faults are served,
 * outside the application JVM's safepoints). Operations, requested by {@code io.uffd4j.snapshot.Snapshotter}:
 * <ul>
 *   <li>{@code full}: quiesce the application (SIGSTOP, or not at all), write-protect the region: the
 *       instant; resume; then save pages copy-on-write and in the background into a full image.</li>
 *   <li>{@code delta}: with dirty tracking, the pages written since the previous image: found with
 *       PAGEMAP_SCAN on the WP_ASYNC descriptor (no fault messages), copied while the application is
 *       quiesced, written as a delta image.</li>
 *   <li>{@code status}.</li>
 * </ul>
 * After a full snapshot of a region with a tracking descriptor, every page not written since the instant
 * stays write-protected; once the image is complete, the region moves to the WP_ASYNC descriptor, armed
 * over the whole range, and the pages written meanwhile are carried into the next delta.
 */
public final class SnapshotExtension implements RegionExtension<SnapshotRequest, SnapshotReply, SnapshotEvent> {
    private static final System.Logger LOG = System.getLogger(SnapshotExtension.class.getName());
    private static final Modes<WriteProtectMode> PROTECT = Modes.of(WriteProtectMode.WP);
    private static final Modes<WriteProtectMode> UNPROTECT = Modes.none();

    private final RegionContext region;
    private final RegionReaders readers;
    private final Object lock = new Object();
    private volatile RegionState state = RegionState.IDLE;
    private volatile LiveSnapshot active;
    /**
     * Pages that changed since the last image and that PAGEMAP_SCAN will not report: written under the
     * full snapshot's synchronous write protection (its LiveSnapshot records them here directly, also after
     * it completed), or removed. Drained by the next delta, cleared at the next full instant.
     */
    private final AtomicBitSet carried;
    private Path lastImage;
    /** The application's pagemap, opened once (PAGEMAP_SCAN at every instant). */
    private final Pagemap pagemap;

    public SnapshotExtension(RegionContext region) {
        this.region = region;
        this.readers = new RegionReaders(region);
        this.pagemap = Pagemap.of(region.applicationPid());
        this.carried = new AtomicBitSet(Math.toIntExact(region.length() / region.pageSize()));
    }

    @Override
    public ExtensionProtocol<SnapshotRequest, SnapshotReply, SnapshotEvent> protocol() {
        return SnapshotProtocol.PROTOCOL;
    }

    @Override
    public SnapshotReply request(SnapshotRequest request) throws Exception {
        return switch (request) {
            case SnapshotRequest.Full f -> full(f);
            case SnapshotRequest.Delta d -> delta(d);
            case SnapshotRequest.Status s -> status();
        };
    }

    private SnapshotReply.Status status() {
        Optional<Path> last = Optional.ofNullable(lastImage);
        LiveSnapshot snap = active;
        if (snap == null) {
            return new SnapshotReply.Status(state, last, 0, 0, 0, 0);
        }
        SnapshotStats st = snap.stats();
        return new SnapshotReply.Status(state, last, st.pages(), st.savedByFault() + st.savedBySaver() + st.zeroAtInstant(),
                st.savedByFault(), st.deferredFaults());
    }

    // ---- full snapshots --------------------------------------------------------------------------

    private SnapshotReply.InstantTaken full(SnapshotRequest.Full request) throws IOException {
        Path target = request.target();
        long buffer = request.bufferBytes();
        int run = request.runPages();
        boolean stop = request.quiesce() == Quiesce.STOP_PROCESS;
        boolean track = region.trackingUserfaultfd().isPresent();
        synchronized (lock) {
            if (state == RegionState.SNAPSHOTTING) {
                throw new IllegalStateException("a snapshot of this region is already in progress");
            }
            ImageWriter image = ImageWriter.create(target, ImageHeader.full(region.length(), (int) region.pageSize()));
            LiveSnapshot snap;
            try {
                snap = new LiveSnapshot(region.userfaultfd(), region.start(), region.length(), region.pageSize(),
                        readers.present(), readers.absent(), image,
                        new SnapshotOptions(buffer, run, !track), carried);
            } catch (RuntimeException e) {
                image.abort();
                throw e;
            }
            RegionState before = state;
            region.handleWriteProtectFaults(this);
            region.protectFills(true);
            long pause;
            long stopped = 0;
            long switched = 0;
            try {
                long t0 = System.nanoTime();
                if (stop) {
                    ProcessControl.stop(region.applicationPid(), Duration.ofSeconds(2));
                }
                stopped = System.nanoTime() - t0;
                try {
                    if (before == RegionState.ASYNC_TRACKING) {
                        switchRegistration(trackingUffd(), region.userfaultfd());
                    }
                    switched = System.nanoTime() - t0 - stopped;
                    carried.clear();
                    active = snap;
                    state = RegionState.SNAPSHOTTING;
                    snap.arm(this::presentPages);
                } finally {
                    if (stop) {
                        ProcessControl.resume(region.applicationPid());
                    }
                }
                pause = System.nanoTime() - t0;
            } catch (IOException | RuntimeException e) {
                active = null;
                state = RegionState.IDLE;
                region.handleWriteProtectFaults(null);
                region.protectFills(false);
                snap.close();
                unprotectAll();
                throw e;
            }
            snap.start();
            snap.completion().whenComplete((info, failure) -> fullDone(snap, target, info, failure));
            return new SnapshotReply.InstantTaken(Instant.now(), Duration.ofNanos(pause), Duration.ofNanos(stopped),
                    Duration.ofNanos(switched), Duration.ofNanos(snap.stats().armNanos()), Duration.ofNanos(snap.scanNanos()));
        }
    }

    /** The image is complete (or the snapshot abandoned): report it, then start dirty tracking if asked. */
    private void fullDone(LiveSnapshot snap, Path target, ImageInfo info, Throwable failure) {
        SnapshotStats stats = snap.stats();
        String timeline = snap.timeline();
        Thread.ofPlatform().daemon().name("uffd4j-snapshot-finish").start(() -> {
            snap.close();
            synchronized (lock) {
                active = null;
                if (failure != null) {
                    state = RegionState.IDLE;
                    region.handleWriteProtectFaults(null);
                    region.protectFills(false);
                    region.post(SnapshotProtocol.PROTOCOL, new SnapshotEvent.Failed(target, String.valueOf(
                            failure.getMessage() != null ? failure.getMessage() : failure)));
                    return;
                }
                lastImage = target;
                if (region.trackingUserfaultfd().isEmpty()) {
                    state = RegionState.IDLE;
                    region.handleWriteProtectFaults(null);
                    region.protectFills(false);
                    region.post(SnapshotProtocol.PROTOCOL, new SnapshotEvent.Done(describe(info, stats, timeline, 0),
                            SnapshotEvent.Tracking.NOT_REQUESTED, ""));
                    return;
                }
                state = RegionState.SYNC_TRACKING;
                SnapshotEvent.Done done;
                try {
                    long pause = startAsyncTracking();
                    done = new SnapshotEvent.Done(describe(info, stats, timeline, pause), SnapshotEvent.Tracking.ON, "");
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "could not start dirty tracking", e);
                    done = new SnapshotEvent.Done(describe(info, stats, timeline, 0), SnapshotEvent.Tracking.FAILED,
                            String.valueOf(e.getMessage()));
                }
                region.post(SnapshotProtocol.PROTOCOL, done);
            }
        });
    }

    /**
     * Moves the region to the WP_ASYNC descriptor and protects every page there, with the application
     * stopped so that no write falls between the two descriptors. Returns how long it was stopped (the
     * unregistration, registration and protection each walk the range's page tables).
     */
    private long startAsyncTracking() {
        long t0 = System.nanoTime();
        ProcessControl.stop(region.applicationPid(), Duration.ofSeconds(2));
        try {
            switchRegistration(region.userfaultfd(), trackingUffd());
            Resolver r = trackingUffd().resolver();
            r.writeProtect(region.start(), region.length(), PROTECT);
            r.progress().orThrow();
            state = RegionState.ASYNC_TRACKING;
            region.handleWriteProtectFaults(null);
        } finally {
            ProcessControl.resume(region.applicationPid());
        }
        return System.nanoTime() - t0;
    }

    private Userfaultfd trackingUffd() {
        return region.trackingUserfaultfd().orElseThrow(() -> new IllegalStateException("the region has no tracking descriptor"));
    }

    private void switchRegistration(Userfaultfd from, Userfaultfd to) {
        from.unregister(region.start(), region.length());
        to.register(region.start(), region.length(), region.registerModes());
        region.registeredWith(to);
    }

    // ---- deltas ----------------------------------------------------------------------------------

    private SnapshotReply.DeltaWritten delta(SnapshotRequest.Delta request) throws IOException {
        Path target = request.target();
        boolean stop = request.quiesce() == Quiesce.STOP_PROCESS;
        synchronized (lock) {
            if (state != RegionState.ASYNC_TRACKING || lastImage == null) {
                throw new IllegalStateException("no dirty tracking since a full snapshot (state " + state
                        + "): take a full snapshot of a region opened with dirtyTracking(true) first");
            }
            Path parentPath = lastImage;
            ImageInfo parent = SnapshotImage.readInfo(parentPath);
            if (!parentPath.toAbsolutePath().getParent().equals(target.toAbsolutePath().getParent())) {
                throw new IllegalArgumentException("a delta is written next to its parent (" + parentPath.getParent() + ")");
            }
            ImageWriter image = ImageWriter.create(target, ImageHeader.delta(parent, parentPath.getFileName().toString()));
            long pause;
            long t0;
            long t1 = 0;
            long t2 = 0;
            int dirtyPages;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment[] pages = new MemorySegment[64];
                for (int i = 0; i < pages.length; i++) {
                    pages[i] = arena.allocate(region.pageSize(), 4096);
                }
                t0 = System.nanoTime();
                if (stop) {
                    ProcessControl.stop(region.applicationPid(), Duration.ofSeconds(2));
                }
                try {
                    BitSet dirty = writtenAndReprotect();
                    carried.drainInto(dirty);
                    t1 = System.nanoTime();
                    BitSet present = presentPages();
                    t2 = System.nanoTime();
                    dirtyPages = dirty.cardinality();
                    copyPages(dirty, present, image, pages);
                } finally {
                    if (stop) {
                        ProcessControl.resume(region.applicationPid());
                    }
                }
                pause = System.nanoTime() - t0;
            } catch (IOException | RuntimeException e) {
                image.abort();
                throw e;
            }
            long c0 = System.nanoTime();
            ImageInfo info = image.complete();
            long completeNanos = System.nanoTime() - c0;
            lastImage = target;
            return new SnapshotReply.DeltaWritten(describe(info, null, "", 0), Duration.ofNanos(pause), Duration.ofNanos(t1 - t0),
                    Duration.ofNanos(t2 - t1), Duration.ofNanos(pause - (t2 - t0)), Duration.ofNanos(completeNanos), dirtyPages);
        }
    }

    private void copyPages(BitSet dirty, BitSet present, ImageWriter image, MemorySegment[] buffers) throws IOException {
        PageReader presentReader = readers.present();
        PageReader absentReader = readers.absent();
        long[] runPages = new long[buffers.length];
        int p = dirty.nextSetBit(0);
        while (p >= 0) {
            boolean isPresent = present.get(p);
            int n = 1;
            while (n < buffers.length && dirty.get(p + n) && present.get(p + n) == isPresent) {
                n++;
            }
            (isPresent ? presentReader : absentReader).readPages(p, n, buffers);
            for (int k = 0; k < n; k++) {
                runPages[k] = p + k;
            }
            image.writePages(runPages, buffers, n); // one gathering write per run
            p = dirty.nextSetBit(p + n);
        }
    }

    /** One dirty-tracking round: the pages written since the last one, re-protected in the same walk. */
    private BitSet writtenAndReprotect() {
        return toPages(pagemap.scan(PagemapScan.writtenAndReprotect(region.start(), region.start() + region.length())));
    }

    private BitSet presentPages() {
        return toPages(pagemap.scan(PagemapScan.present(region.start(), region.start() + region.length())));
    }

    private BitSet toPages(Pagemap.ScanResult scan) {
        BitSet b = new BitSet();
        for (PageRegion r : scan.regions()) {
            b.set((int) ((r.start() - region.start()) / region.pageSize()), (int) ((r.end() - region.start()) / region.pageSize()));
        }
        return b;
    }

    // ---- faults and events from the server thread ------------------------------------------------

    @Override
    public boolean onWriteProtectFault(long address, Resolver resolver) {
        LiveSnapshot snap = active;
        if (snap != null) {
            return snap.onWriteFault(address, resolver);
        }
        // Between a full snapshot and the move to WP_ASYNC: remember the page, let the write through.
        carried.set((int) ((address - region.start()) / region.pageSize()));
        Errno e = resolver.writeProtect(address & -region.pageSize(), region.pageSize(), UNPROTECT);
        return e == Errno.NONE;
    }

    @Override
    public void onRemoved(long start, long end) {
        LiveSnapshot snap = active;
        if (snap != null) {
            snap.onRemoved(start, end - start);
        }
        // The pages now read as their source: they changed since the last image (or, during a full
        // snapshot, since its instant: the next delta must carry them).
        long s = Math.max(start, region.start());
        long e = Math.min(end, region.start() + region.length());
        if (e > s) {
            carried.set((int) ((s - region.start()) / region.pageSize()),
                    (int) ((e - region.start() + region.pageSize() - 1) / region.pageSize()));
        }
    }

    private void unprotectAll() {
        Resolver r = region.userfaultfd().resolver();
        if (r.writeProtect(region.start(), region.length(), UNPROTECT) != Errno.NONE) {
            LOG.log(System.Logger.Level.ERROR, "unprotecting the region failed: " + r.failure().getMessage());
        }
    }

    private static SnapshotResult describe(ImageInfo info, SnapshotStats stats, String timeline, long trackingPauseNanos) {
        if (stats == null) { // a delta: no saver, no buffer
            return new SnapshotResult(info.path(), info.header().kind(), info.dataPages(), info.zeroPages(),
                    info.inheritedPages(), info.fileSize(), 0, 0, 0, 0, 0, timeline, trackingPauseNanos);
        }
        return new SnapshotResult(info.path(), info.header().kind(), info.dataPages(), info.zeroPages(), info.inheritedPages(),
                info.fileSize(), stats.savedByFault(), stats.savedBySaver(), stats.deferredFaults(), stats.peakBufferBytes(),
                stats.totalNanos(), timeline, trackingPauseNanos);
    }

    /** Abandons a snapshot in progress and gives the region back to the main descriptor, unprotected. */
    @Override
    public void close() {
        LiveSnapshot snap = active;
        if (snap != null) {
            snap.close();
        }
        synchronized (lock) {
            if (state == RegionState.ASYNC_TRACKING) {
                try {
                    switchRegistration(trackingUffd(), region.userfaultfd());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "moving the region back from the tracking descriptor failed", e);
                }
            }
            state = RegionState.IDLE;
            region.handleWriteProtectFaults(null);
            region.protectFills(false);
        }
        readers.close();
        pagemap.close();
    }
}
