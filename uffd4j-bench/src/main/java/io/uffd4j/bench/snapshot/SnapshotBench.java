package io.uffd4j.bench.snapshot;

import io.uffd4j.bench.support.CProgram;
import io.uffd4j.bench.support.MemorySampler;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.snapshot.Quiesce;
import io.uffd4j.snapshot.SnapshotReply;
import io.uffd4j.snapshot.SnapshotResult;
import io.uffd4j.snapshot.Snapshotter;
import io.uffd4j.snapshot.TakenSnapshot;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the three ways to snapshot a region that a thread keeps using: uffd4j's live snapshot
 * (write-protect, copy-on-write in the pager), the C fork() reference (the child writes the region,
 * the parent pays copy-on-write), and a stop-the-world copy (the worker waits while the region is
 * written out). Then, for uffd4j, an incremental snapshot after 1% of the pages changed.
 */
final class SnapshotBench {
    static final long MIB = 1L << 20;

    /** One snapshot of one method. */
    record Run(String method, long regionBytes, String workload, int run, double pauseMs, double longestOperationMs,
               long stallP50Ns, long stallP99Ns, long baselineP50Ns, long baselineP99Ns, double armMsPerGiB,
               long peakExtraBytes, long bufferBytes, long peakBufferBytes, double totalMs, long savedOnWrite,
               long throttled) {}

    /** A delta after a fraction of the pages changed, against the full snapshot before it. */
    record Incremental(String method, long regionBytes, String workload, int run, double dirtyFraction, long deltaPages,
                       double deltaPauseMs, double deltaTotalMs, double fullTotalMs, double costRatio) {}

    record Settings(List<Long> sizes, List<String> workloads, int runs, long bufferBytes, Path scratch, Path cache) {}

    private final Settings settings;
    private final PrintStream out;
    private final List<Run> runs = new ArrayList<>();
    private final List<Incremental> incrementals = new ArrayList<>();

    SnapshotBench(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    List<Run> runs() {
        return runs;
    }

    List<Incremental> incrementals() {
        return incrementals;
    }

    void runAll() throws Exception {
        CProgram fork = CProgram.build(SnapshotBench.class, "snapshot_fork.c", List.of("-O2", "-pthread"), settings.cache());
        try (Pager pager = Pager.launch()) {
            out.println("warming up the pager (one small snapshot run, not reported)");
            uffd4j(pager, 64 * MIB, "write-heavy", -1, Quiesce.STOP_PROCESS);
            uffd4j(pager, 64 * MIB, "write-heavy", -1, Quiesce.NONE);
            for (long size : settings.sizes()) {
                for (String workload : settings.workloads()) {
                    for (int r = 1; r <= settings.runs(); r++) {
                        // rotate the order so that no method always runs on a warmer or cooler machine
                        for (int k = 0; k < 4; k++) {
                            switch ((r + k) % 4) {
                                case 0 -> record(uffd4j(pager, size, workload, r, Quiesce.NONE));
                                case 1 -> record(fork(fork, size, workload, r));
                                case 2 -> record(uffd4j(pager, size, workload, r, Quiesce.STOP_PROCESS));
                                default -> record(stopTheWorld(size, workload, r));
                            }
                        }
                    }
                }
            }
        }
    }

    private void record(Run r) {
        if (r == null) {
            return;
        }
        runs.add(r);
        out.printf("  %-15s %5d MiB %-11s run %d: pause %8.3f ms, longest op %8.3f ms, stall p50 %6.2f us p99 %8.2f us, "
                        + "extra memory %6d MiB, total %8.1f ms%n", r.method(), r.regionBytes() / MIB, r.workload(), r.run(),
                r.pauseMs(), r.longestOperationMs(), r.stallP50Ns() / 1e3, r.stallP99Ns() / 1e3, r.peakExtraBytes() / MIB,
                r.totalMs());
    }

    // ---- uffd4j ----------------------------------------------------------------------------------

    private Run uffd4j(Pager pager, long size, String workload, int run, Quiesce quiesce) throws Exception {
        Path full = Files.createTempFile(settings.scratch(), "full-", ".u4snap");
        Path delta0 = Files.createTempFile(settings.scratch(), "delta0-", ".u4snap");
        Path delta = Files.createTempFile(settings.scratch(), "delta-", ".u4snap");
        Files.delete(full);
        Files.delete(delta0);
        Files.delete(delta);
        try (LazyRegion region = LazyRegion.builder(size).pager(pager).writeProtectable(true).dirtyTracking(true)
                .source(SourceSpec.zeros()).open()) {
            region.segment().fill((byte) 1);
            Snapshotter snapshots = Snapshotter.of(region);
            try (Workload w = new Workload(region.segment(), workload.equals("write-heavy"))) {
                warm(w);
                w.phase(Workload.Phase.DURING);
                long t0 = System.nanoTime();
                SnapshotResult result;
                long peak;
                TakenSnapshot s;
                try (MemorySampler mem = new MemorySampler()) {
                    s = snapshots.full(full, Snapshotter.Options.defaults().withBuffer(settings.bufferBytes()).withQuiesce(quiesce));
                    result = s.completion().get(30, TimeUnit.MINUTES);
                    peak = mem.peakExtraBytes();
                }
                double total = (System.nanoTime() - t0) / 1e6;
                w.phase(Workload.Phase.IDLE);
                SnapshotReply.InstantTaken instant = (SnapshotReply.InstantTaken) snapshots.lastInstantDetails().orElseThrow();
                out.println("    instant: " + instant + "; " + result.timeline()
                        + String.format("; then stopped %.1f ms to start dirty tracking", result.trackingPauseNanos() / 1e6));
                double armMs = instant.arm().toNanos() / 1e6;
                Run r = new Run(quiesce == Quiesce.NONE ? "uffd4j" : "uffd4j (stop)", size, workload, run, s.pause().toNanos() / 1e6, w.during.getMaxValue() / 1e6,
                        w.during.getValueAtPercentile(50), w.during.getValueAtPercentile(99),
                        w.before.getValueAtPercentile(50), w.before.getValueAtPercentile(99),
                        armMs / (size / (double) (1L << 30)), peak, settings.bufferBytes(), result.peakBufferBytes(), total,
                        result.savedByFault(), result.deferredFaults());
                if (run > 0) {
                    incremental(snapshots, w, size, workload, run, delta0, delta, total, quiesce);
                }
                return run > 0 ? r : null;
            }
        } finally {
            Files.deleteIfExists(full);
            Files.deleteIfExists(delta0);
            Files.deleteIfExists(delta);
        }
    }

    private void incremental(Snapshotter snapshots, Workload w, long size, String workload, int run, Path delta0, Path delta,
                             double fullTotalMs, Quiesce quiesce) throws InterruptedException, IOException {
        double fraction = 0.01;
        w.confine(fraction);
        // The first delta also carries every page written while the full snapshot ran; the measured one
        // holds only what changed since that delta: the confined 1%.
        snapshots.delta(delta0, quiesce).completion().join();
        Thread.sleep(500);
        long t0 = System.nanoTime();
        TakenSnapshot d = snapshots.delta(delta, quiesce);
        SnapshotResult dr = d.completion().join();
        double total = (System.nanoTime() - t0) / 1e6;
        w.confine(1.0);
        Incremental inc = new Incremental(quiesce == Quiesce.NONE ? "uffd4j" : "uffd4j (stop)", size, workload, run, fraction, dr.dataPages(), d.pause().toNanos() / 1e6, total,
                fullTotalMs, total / fullTotalMs);
        incrementals.add(inc);
        SnapshotReply.DeltaWritten details = (SnapshotReply.DeltaWritten) snapshots.lastInstantDetails().orElseThrow();
        out.printf("    delta: scan %.2f ms, present pages %.2f ms, copy %.2f ms, complete (index, sync) %.2f ms%n",
                details.scan().toNanos() / 1e6, details.presentScan().toNanos() / 1e6, details.copy().toNanos() / 1e6,
                details.complete().toNanos() / 1e6);
        out.printf("  %-15s %5d MiB %-11s run %d: %d pages changed, pause %.3f ms, total %.1f ms = %.1f%% of the full snapshot%n",
                inc.method() + " delta", size / MIB, workload, run, dr.dataPages(), inc.deltaPauseMs(), total, 100 * inc.costRatio());
    }

    private static void warm(Workload w) throws InterruptedException {
        Thread.sleep(500);
        w.phase(Workload.Phase.BEFORE);
        Thread.sleep(500);
    }

    // ---- fork() in C -----------------------------------------------------------------------------

    private Run fork(CProgram program, long size, String workload, int run) throws IOException, InterruptedException {
        Path image = Files.createTempFile(settings.scratch(), "fork-", ".img");
        Path lat = Files.createTempFile(settings.scratch(), "fork-", ".lat");
        try {
            Process p = new ProcessBuilder(program.binary().toString(), "--size-mb", Long.toString(size / MIB),
                    "--mode", workload.equals("write-heavy") ? "write" : "read", "--out", image.toString(),
                    "--lat", lat.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("the fork() reference failed: " + output);
            }
            Map<String, Long> json = parse(output.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(
                    () -> new IOException("no result from the fork() reference: " + output)));
            Histogram before = new Histogram(1, Workload.MAX_NANOS, 3);
            Histogram during = new Histogram(1, Workload.MAX_NANOS, 3);
            readLatencies(lat, before, during);
            if (Files.size(image) != size) {
                throw new IOException("the fork() child wrote " + Files.size(image) + " bytes, not " + size);
            }
            return new Run("fork (C)", size, workload, run, json.get("forkNanos") / 1e6, during.getMaxValue() / 1e6,
                    during.getValueAtPercentile(50), during.getValueAtPercentile(99), before.getValueAtPercentile(50),
                    before.getValueAtPercentile(99), Double.NaN, json.get("peakExtraBytes"), 0, 0,
                    json.get("totalNanos") / 1e6, 0, 0);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(lat);
        }
    }

    private static void readLatencies(Path file, Histogram before, Histogram during) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.nativeOrder());
            long nb = b.getLong();
            long nd = b.getLong();
            for (long i = 0; i < nb; i++) {
                before.recordValue(Math.min(Workload.MAX_NANOS, Math.max(1, Integer.toUnsignedLong(b.getInt()))));
            }
            for (long i = 0; i < nd; i++) {
                during.recordValue(Math.min(Workload.MAX_NANOS, Math.max(1, Integer.toUnsignedLong(b.getInt()))));
            }
        }
    }

    private static Map<String, Long> parse(String json) {
        Map<String, Long> m = new java.util.HashMap<>();
        for (String part : json.replaceAll("[{}\"]", "").split(",")) {
            String[] kv = part.split(":");
            m.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
        }
        return m;
    }

    // ---- stop the world ------------------------------------------------------------------------

    private Run stopTheWorld(long size, String workload, int run) throws IOException, InterruptedException {
        Path image = Files.createTempFile(settings.scratch(), "stw-", ".img");
        try (Mapping region = Mapping.anonymous(size, 2 * MIB)) {
            region.advise(Advice.HUGEPAGE);
            region.segment().fill((byte) 1);
            try (Workload w = new Workload(region.segment(), workload.equals("write-heavy"))) {
                w.gated(true);
                warm(w);
                w.phase(Workload.Phase.DURING);
                long peak;
                long t0 = System.nanoTime();
                try (MemorySampler mem = new MemorySampler(); FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
                    w.gate.writeLock().lock();
                    try {
                        // A ByteBuffer holds at most 2 GiB: write in 1 GiB slices.
                        MemorySegment all = region.segment();
                        for (long off = 0; off < all.byteSize(); off += 1L << 30) {
                            ByteBuffer b = all.asSlice(off, Math.min(1L << 30, all.byteSize() - off)).asByteBuffer();
                            long pos = off;
                            while (b.hasRemaining()) {
                                pos += ch.write(b, pos);
                            }
                        }
                        ch.force(true);
                    } finally {
                        w.gate.writeLock().unlock();
                    }
                    peak = mem.peakExtraBytes();
                }
                double total = (System.nanoTime() - t0) / 1e6;
                Thread.sleep(20);
                w.phase(Workload.Phase.IDLE);
                return new Run("stop-the-world", size, workload, run, total, w.during.getMaxValue() / 1e6,
                        w.during.getValueAtPercentile(50), w.during.getValueAtPercentile(99),
                        w.before.getValueAtPercentile(50), w.before.getValueAtPercentile(99), Double.NaN, peak, 0, 0,
                        total, 0, 0);
            }
        } finally {
            Files.deleteIfExists(image);
        }
    }
}
