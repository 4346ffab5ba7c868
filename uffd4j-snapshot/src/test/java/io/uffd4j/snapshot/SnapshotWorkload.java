package io.uffd4j.snapshot;

import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.snapshot.image.SnapshotChain;
import io.uffd4j.testkit.Await;
import io.uffd4j.testkit.GcStorm;
import io.uffd4j.testkit.StampedWriters;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Writers stamp pages of a live region with plain MemorySegment stores while snapshots (a full one,
 * then deltas) are taken, and every image is proven equal to the region at its instant.
 *
 * <p>The proof needs no clock: writer w owns the pages p with p mod W == w and, for its n-th write,
 * stores the stamp (w, n) into the first word of a page chosen by its own seeded random sequence,
 * then publishes n as its progress word (release store) in the region's last page. An image therefore
 * carries each writer's progress P at the instant; replaying the writer's sequence up to P gives the
 * exact expected stamp of each of its pages, except that write P + 1 may have been stored but not yet
 * published (then the page holds either value).
 *
 * <p>Run in-process by {@link LiveSnapshotTest} and in child JVMs under each collector with a GC
 * storm by {@link SnapshotGcStormTest}. Prints progress lines and "OK ..." on success.
 */
public final class SnapshotWorkload {
    static final long PAGE = 4096;
    static final VarHandle LONG = JAVA_LONG.varHandle();

    /** What to run; {@code writerPauseNanos} slows each writer down after every write (0: full speed). */
    record Config(int dataPages, int writers, int deltas, long seed, boolean gcStorm, boolean memfd, long bufferBytes,
                  Path dir, long writerPauseNanos) {
        Config(int dataPages, int writers, int deltas, long seed, boolean gcStorm, boolean memfd, long bufferBytes,
               Path dir) {
            this(dataPages, writers, deltas, seed, gcStorm, memfd, bufferBytes, dir, 0);
        }
    }

    public static void main(String[] args) throws Exception {
        Config c = new Config(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Long.parseLong(args[3]), Boolean.parseBoolean(args[4]), Boolean.parseBoolean(args[5]),
                Long.parseLong(args[6]), Path.of(args[7]));
        System.out.println(run(c));
    }

    static String run(Config c) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        GcStorm gcs = new GcStorm();
        StringBuilder report = new StringBuilder();
        List<Path> images = new ArrayList<>();
        long writes;
        try (Pager pager = Pager.launch();
             LazyRegion region = LazyRegion.builder(layout(c).regionBytes()).pager(pager).writeProtectable(true)
                     .dirtyTracking(true)
                     .backing(c.memfd() ? io.uffd4j.pager.region.Backing.SHARED_MEMFD : io.uffd4j.pager.region.Backing.PRIVATE_ANONYMOUS)
                     .source(SourceSpec.zeros()).open()) {
            StampedWriters writers = new StampedWriters(region.segment(), layout(c), c.writerPauseNanos());
            if (c.gcStorm()) {
                gcs.start();
            }
            Thread progress = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    sleep(2000);
                    System.out.println("progress writes=" + writers.writes() + " gcs=" + gcs.collections());
                }
            });
            try {
                takeSnapshots(region, c, report, images, () -> activity(writers, gcs, c));
            } catch (Throwable t) {
                System.out.println("FAILED: " + t);
                t.printStackTrace(System.out);
                throw t;
            } finally {
                // The writers must be gone before the region closes (closing revokes their segment).
                stop.set(true);
                writers.close();
                gcs.close();
                progress.interrupt();
            }
            writes = writers.writes();
            for (Path image : images) {
                verify(image, c);
            }
            verifyRestore(pager, images.getLast(), c);
        }
        return "OK " + report + "writes " + writes + ", gcs " + gcs.collections();
    }

    /**
     * Between two images: enough writes that the next image has something to prove and, under a GC storm,
     * enough collections while they run; counted, so the same on a slow machine as on a fast one.
     */
    private static void activity(StampedWriters writers, GcStorm gcs, Config c) {
        long writes0 = writers.writes();
        long gcs0 = gcs.collections();
        // Slow writers: about what they write in 200 ms, most pages written at most once between images.
        long wanted = c.writerPauseNanos() > 0 ? 4096 : 8L * c.dataPages();
        Await.until(() -> writers.writes() - writes0 >= wanted && (!c.gcStorm() || gcs.collections() - gcs0 >= 100),
                Duration.ofMinutes(2), () -> "writers made " + (writers.writes() - writes0) + " of " + wanted
                        + " writes, " + (gcs.collections() - gcs0) + " collections");
    }

    private static void takeSnapshots(LazyRegion region, Config c, StringBuilder report, List<Path> images,
                                      Runnable activity) throws Exception {
        Snapshotter snapshots = Snapshotter.of(region);
        activity.run();
        Path full = c.dir().resolve("s0.u4snap");
        TakenSnapshot s = snapshots.full(full, Snapshotter.Options.defaults().withBuffer(c.bufferBytes()));
        SnapshotResult r = s.completion().get(120, TimeUnit.SECONDS);
        images.add(full);
        report.append(snapshots.lastInstantDetails()).append(' ');
        report.append(String.format("full: pause %.2f ms, %d data + %d zero pages, %d saved on write, %d throttled, peak buffer %d KiB; ",
                s.pause().toNanos() / 1e6, r.dataPages(), r.zeroPages(), r.savedByFault(), r.deferredFaults(),
                r.peakBufferBytes() >> 10));
        for (int d = 1; d <= c.deltas(); d++) {
            activity.run();
            Path delta = c.dir().resolve("s" + d + ".u4snap");
            TakenSnapshot ds = snapshots.delta(delta);
            SnapshotResult dr = ds.completion().join();
            images.add(delta);
            report.append(String.format("delta %d: pause %.2f ms, %d pages; ", d, ds.pause().toNanos() / 1e6, dr.dataPages()));
        }
        activity.run(); // writes after the last image, which it must not contain
    }

    static StampedWriters.Layout layout(Config c) {
        return new StampedWriters.Layout(c.dataPages(), c.writers(), c.seed());
    }

    static void verify(Path image, Config c) throws IOException {
        try (SnapshotChain chain = SnapshotChain.open(image)) {
            StampedWriters.verify(image, chain::readPage, layout(c));
        }
    }

    /** The restored region (lazily, through a pager) matches the images page by page. */
    static void verifyRestore(Pager pager, Path newest, Config c) throws IOException {
        try (LazyRegion restored = Snapshotter.restore(newest).pager(pager).open();
             SnapshotChain chain = SnapshotChain.open(newest); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PAGE, 4096);
            MemorySegment mem = restored.segment();
            for (long p = 0; p <= c.dataPages(); p++) {
                chain.readPage(p, buf);
                long mismatch = MemorySegment.mismatch(mem, p * PAGE, (p + 1) * PAGE, buf, 0, PAGE);
                if (mismatch != -1) {
                    throw new AssertionError("restored page " + p + " differs from the image at byte " + mismatch);
                }
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Path tempDir() throws IOException {
        return Files.createTempDirectory("uffd4j-snap");
    }
}
