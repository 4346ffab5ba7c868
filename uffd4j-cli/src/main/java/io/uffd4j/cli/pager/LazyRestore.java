package io.uffd4j.cli.pager;

import io.uffd4j.cli.options.CommandLines;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.mm.RegionReader;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.SourceSpec;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A lazy restore through the pager, shown as it happens (resident pages, demand faults, fault latency)
 * while a reader touches random pages the way an application would, then verified against what it was
 * restored from. {@code ./uffd4j restore} ({@link io.uffd4j.cli.snapshot.SnapshotRestoreCommand}) and the
 * demo run it; the checks its options share live here too.
 */
public final class LazyRestore {
    /** Prefetch policies a restore from the command line can use (REPLAY needs a recorded first-touch order). */
    public static final String PREFETCH_ACCEPTED = "NONE, SEQUENTIAL or POSTCOPY";
    public static final int MAX_TOUCHES_PER_SECOND = 1_000_000;

    private LazyRestore() {}

    /** The options every restore command shares, checked before anything starts. */
    public static void checkOptions(Refusal check, Prefetch prefetch, Path socket, int touchesPerSecond) {
        if (prefetch == Prefetch.REPLAY) {
            throw check.refuse("--prefetch", prefetch, PREFETCH_ACCEPTED);
        }
        check.range("--touches-per-second", touchesPerSecond, 0, MAX_TOUCHES_PER_SECOND);
        if (socket != null) {
            check.socket("--socket", socket, true);
        }
    }

    /** {@code image} must be a readable, non-empty regular file. */
    public static void checkRawImage(Refusal check, Path image) {
        String accepted = "a readable, non-empty image file";
        if (!Files.exists(image)) {
            throw check.refuseParameter("IMAGE", image, "no such file", accepted);
        }
        if (!Files.isRegularFile(image) || !Files.isReadable(image)) {
            throw check.refuseParameter("IMAGE", image, "not a readable regular file", accepted);
        }
        try {
            if (Files.size(image) == 0) {
                throw check.refuseParameter("IMAGE", image, "the file is empty", accepted);
            }
        } catch (IOException e) {
            throw check.refuseParameter("IMAGE", image, e.getMessage(), accepted);
        }
    }

    /** A restore whose region did not match: one line on stderr (the details are on stdout), exit code 1. */
    public static int mismatch(CommandSpec spec) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": failed: the restored region does not match the image"
                + " or pages failed (see above)");
        spec.commandLine().getErr().flush();
        return CommandLines.FAILURE;
    }

    /** Checks a restored region against what it was restored from. */
    @FunctionalInterface
    public interface Verification {
        /** True when {@code region} holds exactly the restored contents; prints what it compared. */
        boolean verify(MemorySegment region, PrintStream out) throws IOException;
    }

    /** Restores {@code image} lazily and verifies it; true when the region matches the image. */
    public static boolean restore(Path image, Prefetch prefetch, Backing backing, Path socket, int touchesPerSecond,
                                  boolean progressBar, PrintStream out) throws IOException, InterruptedException {
        long size = Files.size(image);
        if (size == 0) {
            throw new IllegalArgumentException(image + " is empty");
        }
        return restore(SourceSpec.file(image), size, (m, o) -> {
            long want = crcOfFile(image);
            RegionChecksum got = crcOfRegion(m);
            if (!got.failedPages().isEmpty()) {
                o.printf("verify: %d page(s) of the region could not be read, so it cannot match the image: FAILED%n",
                        got.failedPages().size());
                got.failedPages().stream().limit(10).forEach(f -> o.printf("verify: page at offset %d failed: %s%n",
                        f.offset(), f.reason()));
                return false;
            }
            o.printf("verify: image CRC32C %08x, region CRC32C %08x: %s%n", want, got.crc(), want == got.crc() ? "MATCH" : "MISMATCH");
            return want == got.crc();
        }, prefetch, backing, socket, touchesPerSecond, progressBar, out);
    }

    /**
     * Restores {@code size} bytes from {@code source} lazily through a pager while a reader touches random
     * pages, shows the fill, then runs {@code verification}; true when it passes and no page failed.
     */
    public static boolean restore(SourceSpec source, long size, Verification verification, Prefetch prefetch, Backing backing,
                                  Path socket, int touchesPerSecond, boolean progressBar, PrintStream out)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        try (Pager pager = socket != null ? Pager.connect(socket) : Pager.launch()) {
            long tPager = System.nanoTime();
            try (LazyRegion region = LazyRegion.builder(size).source(source).prefetch(prefetch)
                    .backing(backing).pager(pager).open()) {
                MemorySegment m = region.segment();
                long tOpen = System.nanoTime();
                byte[] first = new byte[1];
                // Through RegionReader: page 0 may be a page the pager gave up on.
                RegionReader.Result firstRead = RegionReader.read(m, 0, MemorySegment.ofArray(first));
                long tFirst = System.nanoTime();
                out.printf("pager ready in %.1f ms; region of %d MiB opened in %.2f ms; first access %.3f ms after open (%s)%n",
                        (tPager - t0) / 1e6, size >> 20, (tOpen - tPager) / 1e6, (tFirst - tOpen) / 1e6,
                        firstRead instanceof RegionReader.Complete ? "byte 0 = " + first[0] : "page 0 failed");
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong failedTouches = new AtomicLong();
                Thread reader = Thread.ofPlatform().daemon().name("restore-reader")
                        .start(() -> touch(m, size, touchesPerSecond, stop, failedTouches));
                long pages = region.stats().totalPages();
                RegionStats s;
                if (progressBar) {
                    try (ProgressBar pb = new ProgressBarBuilder().setTaskName("restore").setInitialMax(pages)
                            .setStyle(ProgressBarStyle.ASCII).setUnit(" pages", 1).setUpdateIntervalMillis(100).build()) {
                        s = watch(region, pages, st -> {
                            pb.stepTo(st.residentPages());
                            pb.setExtraMessage(extra(st));
                        });
                    }
                } else {
                    long[] lastPrint = {0};
                    s = watch(region, pages, st -> {
                        if (System.nanoTime() - lastPrint[0] > 500_000_000L || st.fullyResident()) {
                            lastPrint[0] = System.nanoTime();
                            out.printf("resident %d/%d pages  %s%n", st.residentPages(), pages, extra(st));
                        }
                    });
                }
                stop.set(true);
                reader.join();
                if (failedTouches.get() > 0) {
                    out.printf("the demo reader met a failed page %d time(s) (InternalError on each touch)%n", failedTouches.get());
                }
                out.printf("fully resident %.1f ms after open: %d demand faults, %d pages prefetched, fault service p50 %.1f us p99 %.1f us%n",
                        s.fullyResidentAfterNanos() / 1e6, s.demandFaults(), s.prefetchedPages(), s.faultP50Nanos() / 1e3,
                        s.faultP99Nanos() / 1e3);
                boolean ok = verification.verify(m, out) && region.failures().isEmpty();
                region.failures().forEach(f -> out.println("failure: " + f));
                return ok;
            }
        }
    }

    private static String extra(RegionStats st) {
        return String.format("faults %d  prefetched %d  p50 %.0fus p99 %.0fus", st.demandFaults(), st.prefetchedPages(),
                st.faultP50Nanos() / 1e3, st.faultP99Nanos() / 1e3);
    }

    private static RegionStats watch(LazyRegion region, long pages, java.util.function.Consumer<RegionStats> show)
            throws InterruptedException {
        while (true) {
            RegionStats s = region.stats(Duration.ofSeconds(30));
            show.accept(s);
            if (s.fullyResident()) {
                return s;
            }
            Thread.sleep(50);
        }
    }

    /**
     * Touches random pages the way an application would. A page the pager gave up on throws InternalError
     * (docs/failed-pages.md): counted, and the reader goes on. The try spans the whole round, sleep
     * included, because HotSpot may raise that error a little after the faulting load.
     */
    private static void touch(MemorySegment m, long size, int perSecond, AtomicBoolean stop, AtomicLong failedTouches) {
        Random rnd = new Random(1);
        long pages = (size + 4095) / 4096;
        long sink = 0;
        while (!stop.get() && perSecond > 0) {
            try {
                for (int i = 0; i < Math.max(1, perSecond / 100); i++) {
                    long o = Math.min(size - 1, rnd.nextLong(pages) * 4096);
                    sink += m.get(JAVA_BYTE, o);
                }
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            } catch (InternalError e) {
                failedTouches.incrementAndGet();
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
    }

    static long crcOfFile(Path image) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            while (ch.read(b) >= 0) {
                b.flip();
                crc.update(b);
                b.clear();
            }
        }
        return crc.getValue();
    }

    /** The CRC32C of a region as copied out, or the pages that could not be copied. */
    record RegionChecksum(long crc, List<RegionReader.FailedPage> failedPages) {}

    /**
     * CRC32C of the region, computed over a private copy: the region may hold pages the pager gave up on,
     * and CRC32C run over such a page ends the JVM (docs/failed-pages.md).
     */
    static RegionChecksum crcOfRegion(MemorySegment m) {
        CRC32C crc = new CRC32C();
        List<RegionReader.FailedPage> failed = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(1 << 20, 4096);
            for (long o = 0; o < m.byteSize(); o += copy.byteSize()) {
                MemorySegment chunk = copy.asSlice(0, Math.min(copy.byteSize(), m.byteSize() - o));
                RegionReader.Result r = RegionReader.read(m, o, chunk);
                failed.addAll(r.failedPages());
                crc.update(chunk.asByteBuffer());
            }
        }
        return new RegionChecksum(crc.getValue(), List.copyOf(failed));
    }
}
