package io.uffd4j.cli.snapshot;

import io.uffd4j.cli.options.CommandLines;
import io.uffd4j.cli.options.ProgressOption;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.snapshot.Quiesce;
import io.uffd4j.snapshot.SnapshotResult;
import io.uffd4j.snapshot.Snapshotter;
import io.uffd4j.snapshot.TakenSnapshot;
import io.uffd4j.snapshot.image.SnapshotChain;
import io.uffd4j.testkit.StampedWriters;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
    static final int MAX_SIZE_MIB = 65536;
    static final int MAX_WRITERS = 256;
    static final int MAX_DELTAS = 1000;
    static final long MAX_INTERVAL_MS = 3_600_000;
    static final long MAX_BUFFER_MIB = 4096;

    @Spec
    CommandSpec spec;

    @Option(names = "--size-mib", defaultValue = "256", paramLabel = "MIB",
            description = "Region size in MiB: 1 to 65536 (default: ${DEFAULT-VALUE})")
    long sizeMiB;

    @Option(names = "--writers", defaultValue = "4", paramLabel = "N", description = "Writer threads: 1 to 256, "
            + "at most one per 4 KiB page of the region (default: ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--deltas", defaultValue = "2", paramLabel = "N",
            description = "Incremental snapshots after the full one: 0 to 1000 (default: ${DEFAULT-VALUE})")
    int deltas;

    @Option(names = "--interval-ms", defaultValue = "500", paramLabel = "MS",
            description = "Time between snapshots: 0 to 3600000 (default: ${DEFAULT-VALUE})")
    long intervalMs;

    @Option(names = "--buffer-mib", defaultValue = "64", paramLabel = "MIB",
            description = "Snapshot buffer in MiB: 1 to 4096 (default: ${DEFAULT-VALUE})")
    long bufferMiB;

    @Option(names = "--quiesce", defaultValue = "STOP_PROCESS",
            description = "STOP_PROCESS (exact) or NONE (like fork()) (default: ${DEFAULT-VALUE})")
    Quiesce quiesce;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the images go; its file system needs room for "
            + "(1 + deltas) x the region size (default: reports/snapshots/<timestamp>)")
    Path out;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of("reports", "snapshots",
                DateTimeFormatter.ISO_INSTANT.format(Instant.now()).replace(':', '-'));
        StampedWriters.Layout layout = checkedLayout(dir);
        Files.createDirectories(dir);
        if (run(layout, dir, deltas, intervalMs, bufferMiB << 20, quiesce, progress.progressBar(), System.out).isEmpty()) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": failed: an image is not equal to the region "
                    + "at its instant (see above)");
            return CommandLines.FAILURE;
        }
        return 0;
    }

    /** Checks every option (nothing is written yet) and lays the region out for the writers. */
    StampedWriters.Layout checkedLayout(Path dir) {
        long regionBytes = sizeMiB << 20;
        // Every check before the first file: a full image and each delta can hold the whole region.
        Refusal.of(spec)
                .range("--size-mib", sizeMiB, 1, MAX_SIZE_MIB, "MiB")
                .range("--writers", writers, 1, Math.min(MAX_WRITERS, regionBytes / StampedWriters.PAGE - 1))
                .range("--deltas", deltas, 0, MAX_DELTAS)
                .range("--interval-ms", intervalMs, 0, MAX_INTERVAL_MS, "ms")
                .range("--buffer-mib", bufferMiB, 1, MAX_BUFFER_MIB, "MiB")
                .creatableDirectory("--out", dir)
                .freeSpace("--out", dir, regionBytes * (1 + deltas));
        return new StampedWriters.Layout((int) (regionBytes / StampedWriters.PAGE) - 1, writers,
                new SplittableRandom().nextLong());
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
            try (SnapshotChain chain = SnapshotChain.open(image)) {
                StampedWriters.Proof p = StampedWriters.verify(image, chain::readPage, layout);
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
        System.exit(CommandLines.configure(new picocli.CommandLine(new SnapshotCommand())).execute(args));
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
