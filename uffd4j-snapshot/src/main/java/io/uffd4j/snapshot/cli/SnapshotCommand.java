package io.uffd4j.snapshot.cli;

import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.snapshot.Quiesce;
import io.uffd4j.snapshot.SnapshotResult;
import io.uffd4j.snapshot.Snapshotter;
import io.uffd4j.snapshot.TakenSnapshot;
import io.uffd4j.snapshot.verify.StampedWriters;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./uffd4j snapshot}: takes live snapshots of a region while writer threads keep stamping it with
 * plain MemorySegment stores (a full image, then deltas), shows each one's progress, and proves every
 * image equal to the region at its instant.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Take live snapshots (a full image, then deltas) of a region that writer threads keep writing, "
                + "without fork(): write-protect, copy-on-write in the pager, incremental with WP_ASYNC + PAGEMAP_SCAN.",
                "Every image is then proven equal to the region at its instant. Images are left in --out."})
public final class SnapshotCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--size-mib", defaultValue = "256", description = "Region size in MiB (default: ${DEFAULT-VALUE})")
    int sizeMiB;

    @Option(names = "--writers", defaultValue = "4", description = "Writer threads (default: ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--deltas", defaultValue = "2", description = "Incremental snapshots after the full one (default: ${DEFAULT-VALUE})")
    int deltas;

    @Option(names = "--interval-ms", defaultValue = "500", description = "Time between snapshots (default: ${DEFAULT-VALUE})")
    long intervalMs;

    @Option(names = "--buffer-mib", defaultValue = "64", description = "Snapshot buffer in MiB (default: ${DEFAULT-VALUE})")
    long bufferMiB;

    @Option(names = "--quiesce", defaultValue = "STOP_PROCESS",
            description = "STOP_PROCESS (exact) or NONE (like fork()) (default: ${DEFAULT-VALUE})")
    Quiesce quiesce;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the images go (default: reports/snapshots/<timestamp>)")
    Path out;

    @Option(names = "--no-progress", description = "Print plain lines instead of a progress bar")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of("reports", "snapshots",
                DateTimeFormatter.ISO_INSTANT.format(Instant.now()).replace(':', '-'));
        Files.createDirectories(dir);
        StampedWriters.Layout layout = new StampedWriters.Layout((int) ((sizeMiB << 20) / StampedWriters.PAGE) - 1,
                writers, new SplittableRandom().nextLong());
        return run(layout, dir, deltas, intervalMs, bufferMiB << 20, quiesce, !noProgress, System.out).isEmpty() ? 1 : 0;
    }

    /**
     * Runs the writers and the snapshots; returns the images, newest last, each proven, or an empty list if
     * any proof failed.
     */
    public static List<Path> run(StampedWriters.Layout layout, Path dir, int deltas, long intervalMs, long bufferBytes,
                                 Quiesce quiesce, boolean progressBar, PrintStream out) throws Exception {
        List<Path> images = new ArrayList<>();
        try (Pager pager = Pager.launch();
             LazyRegion region = LazyRegion.builder(layout.regionBytes()).pager(pager).writeProtectable(true)
                     .dirtyTracking(true).source(SourceSpec.zeros()).open()) {
            out.printf("region of %d MiB, %d writer threads stamping it with plain MemorySegment stores%n",
                    layout.regionBytes() >> 20, layout.writers());
            Snapshotter snapshots = Snapshotter.of(region);
            try (StampedWriters w = new StampedWriters(region.segment(), layout)) {
                Thread.sleep(intervalMs);
                Path full = dir.resolve("snapshot-0.u4snap");
                TakenSnapshot s = snapshots.full(full, Snapshotter.Options.defaults().withBuffer(bufferBytes).withQuiesce(quiesce));
                out.printf("full snapshot: instant after %,d writes; the writers were paused %.2f ms%n", w.writes(),
                        s.pause().toNanos() / 1e6);
                SnapshotResult r = follow(snapshots, s, progressBar, out);
                out.printf("  %s: %d data + %d zero pages, %.1f MiB, %d pages saved because a writer touched them first, "
                                + "%d writes throttled, buffer peak %.1f MiB, %.1f ms%n", full.getFileName(), r.dataPages(),
                        r.zeroPages(), r.fileSize() / 1048576.0, r.savedByFault(), r.deferredFaults(),
                        r.peakBufferBytes() / 1048576.0, r.totalNanos() / 1e6);
                images.add(full);
                for (int d = 1; d <= deltas; d++) {
                    Thread.sleep(intervalMs);
                    Path delta = dir.resolve("snapshot-" + d + ".u4snap");
                    TakenSnapshot ds = snapshots.delta(delta, quiesce);
                    SnapshotResult dr = ds.completion().join();
                    out.printf("delta %d: %d changed pages, %.1f MiB, writers paused %.2f ms%n", d, dr.dataPages(),
                            dr.fileSize() / 1048576.0, ds.pause().toNanos() / 1e6);
                    images.add(delta);
                }
            }
        }
        boolean allGood = true;
        for (Path image : images) {
            try {
                StampedWriters.Proof p = StampedWriters.verify(image, layout);
                out.printf("proof %s: %d pages equal the region at the instant%n", image.getFileName(), p.pagesChecked());
            } catch (AssertionError e) {
                out.println("proof " + image.getFileName() + " FAILED: " + e.getMessage());
                allGood = false;
            }
        }
        return allGood ? images : List.of();
    }

    private static SnapshotResult follow(Snapshotter snapshots, TakenSnapshot s, boolean progressBar, PrintStream out)
            throws Exception {
        if (!progressBar) {
            return s.completion().get(30, TimeUnit.MINUTES);
        }
        try (ProgressBar pb = new ProgressBarBuilder().setTaskName("snapshot").setStyle(ProgressBarStyle.ASCII)
                .setUnit(" pages", 1).setUpdateIntervalMillis(100).build()) {
            while (!s.completion().isDone()) {
                Snapshotter.Progress p = snapshots.progress();
                if (p.pages() > 0) {
                    pb.maxHint(p.pages());
                    pb.stepTo(p.saved());
                    pb.setExtraMessage("saved on write " + p.savedByWrites() + ", throttled " + p.throttled());
                }
                Thread.sleep(100);
            }
        }
        return s.completion().get();
    }

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new SnapshotCommand()).execute(args));
    }

    static void deleteQuietly(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
