package io.uffd4j.snapshot;

import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.PagerException;
import io.uffd4j.snapshot.image.ImageFormat;
import io.uffd4j.snapshot.image.SnapshotImage;
import io.uffd4j.snapshot.worker.SnapshotExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
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
    static final String EXTENSION = SnapshotExtension.class.getName();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final LazyRegion region;
    private final Map<String, CompletableFuture<SnapshotResult>> pending = new ConcurrentHashMap<>();
    private volatile String lostReason;
    private volatile Map<String, String> lastReply = Map.of();
    private static final System.Logger LOG = System.getLogger(Snapshotter.class.getName());

    private Snapshotter(LazyRegion region) {
        this.region = region;
        region.onExtensionEvent(EXTENSION, this::event);
    }

    /** Snapshots of {@code region}, which must have been opened {@code writeProtectable(true)}. */
    public static Snapshotter of(LazyRegion region) {
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
        Map<String, String> reply;
        try {
            reply = call("full", Map.of("path", t.toString(), "bufferBytes", Long.toString(options.bufferBytes()),
                    "runPages", Integer.toString(options.runPages()), "quiesce", quiesceArg(options.quiesce())));
        } catch (RuntimeException e) {
            pending.remove(t.toString());
            throw e;
        }
        lostReason = null;
        LOG.log(System.Logger.Level.DEBUG, "snapshot instant: " + reply);
        lastReply = reply;
        return new TakenSnapshot(t, Instant.ofEpochMilli(Long.parseLong(reply.get("instantMillis"))),
                Duration.ofNanos(Long.parseLong(reply.get("pauseNanos"))), done);
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
        Map<String, String> reply = call("delta", Map.of("path", t.toString(), "quiesce", quiesceArg(quiesce)));
        lastReply = reply;
        return new TakenSnapshot(t, Instant.now(), Duration.ofNanos(Long.parseLong(reply.get("pauseNanos"))),
                CompletableFuture.completedFuture(SnapshotResult.of(reply)));
    }

    public TakenSnapshot delta(Path target) {
        return delta(target, Quiesce.STOP_PROCESS);
    }

    /** Progress of a full snapshot: pages saved so far and pages in the region (both 0 when none runs). */
    public record Progress(long saved, long pages, long savedByWrites, long throttled) {}

    /** Asks the pager how far the running full snapshot is. */
    public Progress progress() {
        Map<String, String> m = call("status", Map.of());
        return new Progress(Long.parseLong(m.getOrDefault("saved", "0")), Long.parseLong(m.getOrDefault("pages", "0")),
                Long.parseLong(m.getOrDefault("savedByFault", "0")), Long.parseLong(m.getOrDefault("deferredFaults", "0")));
    }

    /**
     * The pager's timing of the last snapshot (full: stop, switch, arm and scan at the instant; delta: scan,
     * present-page scan and copy), in nanoseconds, for diagnosis.
     */
    public Map<String, String> lastInstantDetails() {
        return lastReply;
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

    private static String quiesceArg(Quiesce q) {
        return q == Quiesce.STOP_PROCESS ? "STOP" : "NONE";
    }

    private Map<String, String> call(String op, Map<String, String> args) {
        try {
            return region.extensionRequest(EXTENSION, op, args).get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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
    }

    private void event(String event, Map<String, String> payload) {
        switch (event) {
            case "done" -> {
                CompletableFuture<SnapshotResult> f = pending.remove(payload.get("path"));
                if (f != null) {
                    f.complete(SnapshotResult.of(payload));
                }
            }
            case "failed" -> {
                CompletableFuture<SnapshotResult> f = pending.remove(payload.get("path"));
                if (f != null) {
                    f.completeExceptionally(new SnapshotException("snapshot " + payload.get("path") + " abandoned: "
                            + payload.get("reason"), null));
                }
            }
            case "lost" -> {
                lostReason = payload.getOrDefault("reason", "the pager restarted");
                for (String path : pending.keySet()) {
                    CompletableFuture<SnapshotResult> f = pending.remove(path);
                    if (f != null) {
                        f.completeExceptionally(new SnapshotException("snapshot " + path + " abandoned: the pager restarted ("
                                + lostReason + "); no image was completed", null));
                    }
                }
            }
            default -> { }
        }
    }
}
