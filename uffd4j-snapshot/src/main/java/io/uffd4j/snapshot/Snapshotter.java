package io.uffd4j.snapshot;

import io.uffd4j.error.ClosedException;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.PagerException;
import io.uffd4j.snapshot.image.ImageFormat;
import io.uffd4j.snapshot.image.SnapshotImage;
import io.uffd4j.pager.spi.ExtensionListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Live snapshots of a {@link LazyRegion} while the application keeps writing it, without fork():
 *
 * <pre>{@code
 * try (LazyRegion region = LazyRegion.builder(1L << 30).writeProtectable(true).open()) {
 *     Snapshotter snapshots = Snapshotter.of(region);
 *     TakenSnapshot s = snapshots.full(dir.resolve("base.u4snap"));   // returns right after the instant
 *     ... writers keep running ...
 *     SnapshotResult image = s.completion().join();
 * }
 * try (LazyRegion restored = Snapshotter.restore(dir.resolve("base.u4snap")).open()) { ... }   // lazy restore
 * }</pre>
 *
 * <p>The work happens in the pager worker that serves the region (module uffd4j-pager), so the
 * write-protect faults of the application's threads are resolved outside its JVM's safepoints: plain
 * {@code MemorySegment} writes are safe during a snapshot. With {@code dirtyTracking(true)} on the
 * region, {@link #delta} writes only the pages changed since the previous image (WP_ASYNC and
 * PAGEMAP_SCAN), and a chain of images restores to the newest state.
 */
public final class Snapshotter {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final LazyRegion region;
    private final Map<String, CompletableFuture<SnapshotResult>> pending = new ConcurrentHashMap<>();
    private volatile String lostReason;
    private volatile SnapshotReply lastReply;
    private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());

    private Snapshotter(LazyRegion region) {
        this.region = region;
        region.onExtensionEvent(SnapshotProtocol.PROTOCOL, new ExtensionListener<>() {
            @Override
            public void onEvent(SnapshotEvent event) {
                event(event);
            }

            @Override
            public void onLost(String reason) {
                lost(reason);
            }
        });
    }

    /** Snapshots of {@code region}, which must have been opened {@code writeProtectable(true)}. */
    public static Snapshotter of(LazyRegion region) {
        if (region.isClosed()) {
            throw new ClosedException("Snapshotter.of", "Snapshotter.of(" + region + "): the region is closed");
        }
        if (!region.writeProtectable()) {
            throw new IllegalArgumentException(region + " was not opened writeProtectable(true): it cannot be snapshotted live");
        }
        return new Snapshotter(region);
    }

    /** How a full snapshot uses memory and quiesces the application. */
    public record Options(long bufferBytes, int runPages, Quiesce quiesce) {
        public static final long MIN_BUFFER = 64 * 1024;
        public static final long MAX_BUFFER = 64L << 30;

        public Options {
            Objects.requireNonNull(quiesce, "quiesce");
            if (bufferBytes < MIN_BUFFER || bufferBytes > MAX_BUFFER) {
                throw new IllegalArgumentException("bufferBytes " + bufferBytes + " is out of range (accepted: "
                        + MIN_BUFFER + " (64 KiB) to " + MAX_BUFFER + " (64 GiB))");
            }
            if (runPages < 1 || runPages > 1024) {
                throw new IllegalArgumentException("runPages " + runPages + " is out of range (accepted: 1 to 1024)");
            }
        }

        /** 64 MiB of buffer, runs of 64 pages, the application stopped for the instant. */
        public static Options defaults() {
            return new Options(64L << 20, 64, Quiesce.STOP_PROCESS);
        }

        public Options withBuffer(long bytes) {
            return new Options(bytes, runPages, quiesce);
        }

        public Options withQuiesce(Quiesce q) {
            return new Options(bufferBytes, runPages, q);
        }
    }

    public TakenSnapshot full(Path target) {
        return full(target, Options.defaults());
    }

    /**
     * Takes a full snapshot into {@code target} (a new file, conventionally {@code *.u4snap}). Returns once
     * the instant has passed; the image is complete when {@link TakenSnapshot#completion()} completes.
     */
    public TakenSnapshot full(Path target, Options options) {
        Path t = target.toAbsolutePath();
        CompletableFuture<SnapshotResult> done = new CompletableFuture<>();
        if (pending.putIfAbsent(t.toString(), done) != null) {
            throw new IllegalStateException("a snapshot into " + t + " is already running");
        }
        SnapshotReply.InstantTaken reply;
        try {
            reply = call("full", new SnapshotRequest.Full(t, options.bufferBytes(), options.runPages(), options.quiesce()),
                    SnapshotReply.InstantTaken.class);
        } catch (RuntimeException e) {
            pending.remove(t.toString());
            throw e;
        }
        lostReason = null;
        LOG.log(System.Logger.Level.DEBUG, "snapshot instant: " + reply);
        lastReply = reply;
        return new TakenSnapshot(t, reply.at(), reply.pause(), done);
    }

    /**
     * Writes the pages changed since the previous image of this region (full or delta) into
     * {@code target}, a delta next to it. The region must have been opened with {@code dirtyTracking(true)}
     * and had a full snapshot completed since the last pager restart. The application is quiesced while
     * the changed pages are copied (the pause grows with their number).
     */
    public TakenSnapshot delta(Path target, Quiesce quiesce) {
        if (lostReason != null) {
            throw new IllegalStateException("dirty tracking was lost (" + lostReason + "): take a full snapshot first");
        }
        Path t = target.toAbsolutePath();
        if (!t.getFileName().toString().endsWith(ImageFormat.EXTENSION)) {
            throw new IllegalArgumentException("snapshot images are named *" + ImageFormat.EXTENSION + ": " + t);
        }
        SnapshotReply.DeltaWritten reply = call("delta", new SnapshotRequest.Delta(t, quiesce), SnapshotReply.DeltaWritten.class);
        lastReply = reply;
        return new TakenSnapshot(t, Instant.now(), reply.pause(), CompletableFuture.completedFuture(reply.image()));
    }

    public TakenSnapshot delta(Path target) {
        return delta(target, Quiesce.STOP_PROCESS);
    }

    /** Progress of a full snapshot: pages saved so far and pages in the region (both 0 when none runs). */
    public record Progress(long saved, long pages, long savedByWrites, long throttled) {}

    /** Asks the pager how far the running full snapshot is. */
    public Progress progress() {
        SnapshotReply.Status s = call("status", new SnapshotRequest.Status(), SnapshotReply.Status.class);
        return new Progress(s.saved(), s.pages(), s.savedByFault(), s.deferredFaults());
    }

    /**
     * The pager's timing of the last snapshot, for diagnosis: {@link SnapshotReply.InstantTaken} after a full
     * one (stop, switch, arm and scan at the instant), {@link SnapshotReply.DeltaWritten} after a delta (scan,
     * present-page scan, copy, completion); empty before the first.
     */
    public Optional<SnapshotReply> lastInstantDetails() {
        return Optional.ofNullable(lastReply);
    }

    /** A region builder that restores {@code newestImage} (and the images it builds on) lazily. */
    public static LazyRegion.Builder restore(Path newestImage) {
        long size;
        try (SnapshotImage img = SnapshotImage.open(newestImage)) {
            size = img.header().regionSize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore " + newestImage + ": " + e.getMessage(), e);
        }
        return LazyRegion.builder(size).source(SnapshotImageSource.spec(newestImage));
    }

    private <R extends SnapshotReply> R call(String op, SnapshotRequest request, Class<R> expected) {
        if (region.isClosed()) {
            throw new ClosedException(op, "Snapshotter." + op + ": " + region + " is closed");
        }
        SnapshotReply reply;
        try {
            reply = region.extensionRequest(SnapshotProtocol.PROTOCOL, request).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PagerException("interrupted during a snapshot request");
        } catch (TimeoutException e) {
            throw new PagerException("the pager did not answer the snapshot request within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException r ? new SnapshotException(op + " snapshot failed: " + r.getMessage(), r)
                    : new SnapshotException(op + " snapshot failed: " + c, c);
        }
        if (!expected.isInstance(reply)) {
            throw new SnapshotException(op + " snapshot: the pager answered " + reply, null);
        }
        return expected.cast(reply);
    }

    private void event(SnapshotEvent event) {
        switch (event) {
            case SnapshotEvent.Done d -> {
                CompletableFuture<SnapshotResult> f = pending.remove(d.image().path().toString());
                if (d.tracking() == SnapshotEvent.Tracking.FAILED) {
                    LOG.log(System.Logger.Level.WARNING, "dirty tracking did not start after " + d.image().path() + ": "
                            + d.trackingFailure());
                }
                if (f != null) {
                    f.complete(d.image());
                }
            }
            case SnapshotEvent.Failed failed -> {
                CompletableFuture<SnapshotResult> f = pending.remove(failed.target().toString());
                if (f != null) {
                    f.completeExceptionally(new SnapshotException("snapshot " + failed.target() + " abandoned: "
                            + failed.reason(), null));
                }
            }
        }
    }

    private void lost(String reason) {
        lostReason = reason;
        for (String path : pending.keySet()) {
            CompletableFuture<SnapshotResult> f = pending.remove(path);
            if (f != null) {
                f.completeExceptionally(new SnapshotException("snapshot " + path + " abandoned: the pager restarted ("
                        + lostReason + "); no image was completed", null));
            }
        }
    }
}
