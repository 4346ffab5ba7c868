package io.uffd4j.snapshot;

import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.Await;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A snapshot that cannot complete never leaves an image that looks complete, and the region and its
 * writers go on unaffected: proven by taking a good snapshot afterwards and checking it exactly.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SnapshotFailureTest {
    static final int PAGES = 16384;

    private static SnapshotWorkload.Config config(Path dir) {
        return new SnapshotWorkload.Config(PAGES, 4, 0, io.uffd4j.testkit.Seeds.seed("SnapshotFailureTest"), false, false, 64 * 1024, dir);
    }

    private static LazyRegion open(Pager pager) {
        return LazyRegion.builder((PAGES + 1) * SnapshotWorkload.PAGE).pager(pager).writeProtectable(true)
                .source(SourceSpec.zeros()).open();
    }

    /** After a failure: writers still progress, and a fresh full snapshot is exact. */
    private static void regionUnaffected(Snapshotter snapshots, io.uffd4j.testkit.StampedWriters writers, SnapshotWorkload.Config c,
                                         Path good) throws Exception {
        long before = writers.writes();
        Await.until(() -> writers.writes() > before + PAGES, Duration.ofSeconds(60),
                () -> "writers stopped making progress after the failed snapshot: " + writers.writes() + " writes, "
                        + before + " at the failure");
        TakenSnapshot s = snapshots.full(good);
        s.completion().get(60, TimeUnit.SECONDS);
        writers.close();
        SnapshotWorkload.verify(good, c);
    }

    @Test
    void killingThePagerMidSnapshotLeavesNoCompleteImage(@TempDir Path dir) throws Exception {
        SnapshotWorkload.Config c = config(dir);
        try (Pager pager = Pager.launch(); LazyRegion region = open(pager);
             io.uffd4j.testkit.StampedWriters writers = new io.uffd4j.testkit.StampedWriters(region.segment(), SnapshotWorkload.layout(c))) {
            Snapshotter snapshots = Snapshotter.of(region);
            stamped(writers, PAGES); // a snapshot with data to save, so the worker dies mid-way
            Path target = dir.resolve("killed.u4snap");
            TakenSnapshot s = snapshots.full(target, Snapshotter.Options.defaults().withBuffer(64 * 1024));
            long worker = pager.workerPid();
            ProcessHandle.of(worker).orElseThrow().destroyForcibly();
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.completion().get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("restarted"), e.getCause().getMessage());
            assertFalse(Files.exists(target), "an interrupted snapshot must not leave a complete image");
            assertThrows(Exception.class, () -> io.uffd4j.snapshot.image.SnapshotImage.open(
                    io.uffd4j.snapshot.image.ImageWriter.partialOf(target)));
            regionUnaffected(snapshots, writers, c, dir.resolve("after-kill.u4snap"));
        }
    }

    @Test
    void unwritableTargetFailsAtOnce(@TempDir Path dir) throws Exception {
        SnapshotWorkload.Config c = config(dir);
        try (Pager pager = Pager.launch(); LazyRegion region = open(pager);
             io.uffd4j.testkit.StampedWriters writers = new io.uffd4j.testkit.StampedWriters(region.segment(), SnapshotWorkload.layout(c))) {
            Snapshotter snapshots = Snapshotter.of(region);
            SnapshotException e = assertThrows(SnapshotException.class,
                    () -> snapshots.full(Path.of("/proc/uffd4j-cannot-write-here.u4snap")));
            assertTrue(e.getMessage().contains("/proc/uffd4j-cannot-write-here.u4snap"), e.getMessage());
            regionUnaffected(snapshots, writers, c, dir.resolve("after-unwritable.u4snap"));
        }
    }

    @Test
    void fullDiskAbandonsTheSnapshot(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        Assumptions.assumeTrue(mountTmpfs(small, "4m"), "needs root to mount a 4 MiB tmpfs");
        SnapshotWorkload.Config c = config(dir);
        try (Pager pager = Pager.launch(); LazyRegion region = open(pager);
             io.uffd4j.testkit.StampedWriters writers = new io.uffd4j.testkit.StampedWriters(region.segment(), SnapshotWorkload.layout(c))) {
            Snapshotter snapshots = Snapshotter.of(region);
            stamped(writers, 2L * PAGES);   // most of the 16384 pages stamped: far more data than the 4 MiB disk holds
            Path target = small.resolve("full.u4snap");
            TakenSnapshot s = snapshots.full(target);
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.completion().get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().toLowerCase().contains("space"), e.getCause().getMessage());
            assertFalse(Files.exists(target));
            assertFalse(Files.exists(io.uffd4j.snapshot.image.ImageWriter.partialOf(target)), "the partial image is removed");
            regionUnaffected(snapshots, writers, c, dir.resolve("after-full-disk.u4snap"));
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    /** Waits until the writers made {@code writes} writes (random pages: 2 x PAGES stamps about 86 % of them). */
    private static void stamped(io.uffd4j.testkit.StampedWriters writers, long writes) {
        Await.until(() -> writers.writes() >= writes, Duration.ofSeconds(60),
                () -> "the writers made only " + writers.writes() + " writes");
    }

    private static boolean mountTmpfs(Path at, String size) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString())
                .redirectErrorStream(true).start();
        return p.waitFor() == 0;
    }
}
