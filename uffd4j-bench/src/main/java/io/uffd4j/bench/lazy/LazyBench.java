package io.uffd4j.bench.lazy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.mm.Mapping;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.GeneratorSource;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code ./uffd4j bench lazy}: lazy restore through the out-of-process pager, side by side with the
 * plain alternatives and with the same design in C. Writes results.json and PNG plots.
 *
 * <ul>
 *   <li>Time to first access and until fully resident, per image size: read the whole file into
 *       anonymous memory first; MAP_PRIVATE mmap of the file (touching every page); a lazy region
 *       (pager already running, SEQUENTIAL prefetch, no application access).</li>
 *   <li>Fault latency as the application sees it (one byte read of a missing page, random order, no
 *       prefetch): through the pager; the in-process FaultServer with GuardedMemory DIRECT; the C
 *       reference handler in a separate process receiving the uffd over a Unix socket.</li>
 *   <li>Background fill throughput vs reading the file sequentially (both from a warm page cache).</li>
 *   <li>Demand faults of a repeated access pattern per prefetch policy, with first-touch record and replay.</li>
 * </ul>
 */
@Command(name = "lazy", mixinStandardHelpOptions = true,
        description = "Benchmark lazy restore through the out-of-process pager (JSON + PNG report).")
public final class LazyBench implements Callable<Integer> {
    static final long PAGE = 4096;
    /** Results of measured reads go here so that the JIT cannot drop the reads. */
    static volatile long BLACKHOLE;

    @Option(names = "--quick", description = "Small sizes and one run (a smoke run of the whole harness)")
    boolean quick;

    static final long MAX_SIZE_MIB = 65536;
    /** Images of the latency and replay sections (at most 32768 pages of 4 KiB) next to the largest restore image. */
    static final long WORK_MARGIN = 256L << 20;
    static final List<String> SECTIONS = List.of("restore", "latency", "replay");

    @Spec
    CommandSpec spec;

    @Option(names = "--sizes-mib", split = ",", paramLabel = "MIB", description = "Image sizes in MiB, each 1 to 65536 "
            + "(default 1024,4096; quick 64,256)")
    List<Long> sizesMib;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per measurement: 1 to 100 (default 3; quick 1)")
    Integer runs;

    @Option(names = "--out", paramLabel = "DIR", description = "Report directory (default: ${DEFAULT-VALUE})", defaultValue = "reports/bench-lazy")
    Path out;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where images are written, one at a time; its file "
            + "system needs room for the largest image plus 256 MiB (default: a temporary directory)")
    Path workDir;

    @Option(names = "--skip", split = ",", description = "Sections to skip: restore, latency, replay")
    List<String> skip = List.of();

    private final Map<String, Object> report = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        List<Long> sizes = sizesMib != null ? sizesMib : quick ? List.of(64L, 256L) : List.of(1024L, 4096L);
        int n = runs != null ? runs : quick ? 1 : 3;
        checkOptions(sizes, n);
        Files.createDirectories(out);
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("uffd4j-bench-lazy");
        report.put("date", Instant.now().toString());
        report.put("machine", machine());
        report.put("runs", n);
        report.put("notes", List.of(
                "All variants read the image from a warm page cache (the file is read once before measuring): the comparison is of the mechanisms, not of the disk.",
                "Lazy: the pager (supervisor + worker JVMs) is launched once and warmed up (5 regions of 32 MiB) before measuring; launch and warm-up times are reported separately. Time to first access of a lazy region = open (a round trip app -> supervisor -> worker) + the first read.",
                "Fault latency is measured by the application thread around one read of a missing page (System.nanoTime), random page order, no prefetch.",
                "In-process handler: FaultServer with GuardedMemory DIRECT (the access is a memcpy downcall). C reference: separate process, uffd over a Unix socket, UFFDIO_COPY from a mapping of the image (same design as the pager)."));
        long launch0 = System.nanoTime();
        try (Pager pager = Pager.launch()) {
            report.put("pagerLaunchMillis", (System.nanoTime() - launch0) / 1e6);
            long warm0 = System.nanoTime();
            warmUp(pager);
            report.put("pagerWarmUpMillis", (System.nanoTime() - warm0) / 1e6);
            if (!skip.contains("restore")) {
                restoreSection(pager, sizes, n, dir);
            }
            if (!skip.contains("latency")) {
                latencySection(pager, quick ? 4096 : 32768, n, dir);
            }
            if (!skip.contains("replay")) {
                replaySection(pager, quick ? 8192 : 32768, dir);
            }
        } finally {
            if (workDir == null) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        }
        report.put("goals", goals());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("results.json").toFile(), report);
        System.out.println("report: " + out.resolve("results.json").toAbsolutePath());
        System.out.println(json.writeValueAsString(report.get("goals")));
        return 0;
    }

    /** Every option checked before the first file is written; a refusal names the option. */
    private void checkOptions(List<Long> sizes, int n) {
        Refusal check = Refusal.of(spec).range("--runs", n, 1, 100);
        for (long mib : sizes) {
            check.range("--sizes-mib", mib, 1, MAX_SIZE_MIB, "MiB");
        }
        for (String section : skip) {
            if (!SECTIONS.contains(section)) {
                throw check.refuse("--skip", section, String.join(", ", SECTIONS));
            }
        }
        Path work = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        long largest = skip.contains("restore") ? 0 : sizes.stream().mapToLong(Long::longValue).max().orElse(0) << 20;
        check.creatableDirectory("--out", out).freeSpace("--out", out, 64L << 20)
                .creatableDirectory("--work-dir", work).freeSpace("--work-dir", work, largest + WORK_MARGIN);
    }

    /** Fills and touches a few regions so that the pager's and this JVM's code is compiled before measuring. */
    private static void warmUp(Pager pager) {
        long size = 32L << 20;
        for (int i = 0; i < 5; i++) {
            try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(i, size)).prefetch(Prefetch.SEQUENTIAL).pager(pager).open()) {
                MemorySegment m = r.segment();
                long sink = 0;
                for (long o = 0; o < size; o += PAGE * 7) {
                    sink += m.get(JAVA_BYTE, o);
                }
                BLACKHOLE = sink;
                r.awaitFullyResident(Duration.ofMinutes(1));
            }
        }
    }

    // ---- restore: first access, fully resident, fill throughput ---------------------------------------

    @SuppressWarnings("unchecked")
    private void restoreSection(Pager pager, List<Long> sizesMib, int n, Path dir) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> firstAccess = new LinkedHashMap<>();
        for (long mib : sizesMib) {
            long size = mib << 20;
            Path image = dir.resolve("image-" + mib + "m.img");
            System.out.printf("writing a %d MiB image...%n", mib);
            writeImage(image, size);
            warm(image);
            for (int run = 1; run <= n; run++) {
                rows.add(row(mib, run, "read whole file into anonymous memory", readAll(image, size)));
                rows.add(row(mib, run, "MAP_PRIVATE mmap of the file", mmapPrivate(image, size)));
                rows.add(row(mib, run, "lazy region (pager, SEQUENTIAL)", lazy(pager, image, size)));
                System.out.printf("%d MiB run %d: %s%n", mib, run, rows.subList(rows.size() - 3, rows.size()));
            }
            firstAccess.put(mib + " MiB", firstAccessSamples(pager, image, size, 25));
            System.out.printf("%d MiB first access (open + first read), 25 samples: %s%n", mib, firstAccess.get(mib + " MiB"));
            Files.delete(image);
        }
        report.put("restore", rows);
        report.put("lazyFirstAccessSamples", firstAccess);
        plotRestore(rows, sizesMib);
    }

    private static Map<String, Object> row(long mib, int run, String method, double[] t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sizeMiB", mib);
        m.put("run", run);
        m.put("method", method);
        m.put("firstAccessMillis", t[0]);
        m.put("fullyResidentMillis", t[1]);
        m.put("throughputMiBps", mib / (t[2] / 1e3));
        if (t.length > 3) {
            m.put("openMillis", t[3]);
            m.put("firstTouchAfterOpenMillis", t[4]);
        }
        return m;
    }

    /** {firstAccess, fullyResident, fill time} in ms. */
    private static double[] readAll(Path image, long size) throws IOException {
        long t0 = System.nanoTime();
        try (Mapping m = Mapping.anonymous(size); FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            MemorySegment seg = m.segment();
            long chunk = 64L << 20;
            for (long off = 0; off < size; off += chunk) {
                ByteBuffer b = seg.asSlice(off, Math.min(chunk, size - off)).asByteBuffer();
                while (b.hasRemaining()) {
                    if (ch.read(b, off + b.position()) < 0) {
                        throw new IOException("short image");
                    }
                }
            }
            BLACKHOLE = seg.get(JAVA_BYTE, 0);
            double t = (System.nanoTime() - t0) / 1e6;
            return new double[] {t, t, t};
        }
    }

    private static double[] mmapPrivate(Path image, long size) throws IOException {
        long t0 = System.nanoTime();
        // MAP_PRIVATE needs a descriptor opened read-write; the file itself is never written
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE); Arena arena = Arena.ofShared()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.PRIVATE, 0, size, arena);
            byte sink = seg.get(JAVA_BYTE, 0);
            BLACKHOLE = sink;
            long first = System.nanoTime();
            for (long o = PAGE; o < size; o += PAGE) {
                sink ^= seg.get(JAVA_BYTE, o);
            }
            BLACKHOLE = sink; // consumed, so the JIT cannot drop the loop
            long all = System.nanoTime();
            return new double[] {(first - t0) / 1e6, (all - t0) / 1e6, (all - t0) / 1e6};
        }
    }

    private static double[] lazy(Pager pager, Path image, long size) {
        long t0 = System.nanoTime();
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.file(image)).prefetch(Prefetch.SEQUENTIAL).pager(pager).open()) {
            long opened = System.nanoTime();
            BLACKHOLE = r.segment().get(JAVA_BYTE, 0);
            long first = System.nanoTime();
            if (!r.awaitFullyResident(Duration.ofMinutes(10))) {
                throw new IllegalStateException("not resident after 10 minutes: " + r.stats());
            }
            RegionStats s = r.stats();
            double fill = s.fullyResidentAfterNanos() / 1e6;
            return new double[] {(first - t0) / 1e6, (opened - t0) / 1e6 + fill, fill,
                    (opened - t0) / 1e6, (first - opened) / 1e6};
        }
    }

    /** Open + first read of a lazy region, {@code n} times (closed right away): median, p90, max in ms. */
    private static Map<String, Object> firstAccessSamples(Pager pager, Path image, long size, int n) {
        double[] ms = new double[n];
        double[] open = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.file(image)).pager(pager).open()) {
                long t1 = System.nanoTime();
                BLACKHOLE += r.segment().get(JAVA_BYTE, 0);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                open[i] = (t1 - t0) / 1e6;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("medianMillis", median(ms));
        m.put("p90Millis", sorted[(int) Math.ceil(0.9 * n) - 1]);
        m.put("minMillis", sorted[0]);
        m.put("maxMillis", sorted[n - 1]);
        m.put("medianOpenMillis", median(open));
        return m;
    }

    // ---- fault latency -------------------------------------------------------------------------------

    private void latencySection(Pager pager, int pages, int n, Path dir) throws Exception {
        long size = pages * PAGE;
        Path image = dir.resolve("latency.img");
        writeImage(image, size);
        warm(image);
        long[] order = permutation(pages, 7);
        Optional<Path> cBinary = CReferenceHandler.build();
        List<LatencyProbe> probes = new ArrayList<>();
        for (int run = 1; run <= n; run++) {
            // warm-up rounds are not recorded (JIT of both the application loop and the handlers)
            if (run == 1) {
                pagerLatency(pager, image, size, order);
                inProcessLatency(image, size, order);
            }
            probes.add(LatencyProbe.of("pager (separate JVM)", run, pagerLatency(pager, image, size, order)));
            probes.add(LatencyProbe.of("in-process FaultServer + GuardedMemory DIRECT", run, inProcessLatency(image, size, order)));
            if (cBinary.isPresent()) {
                probes.add(LatencyProbe.of("C reference (separate process, uffd over a Unix socket)", run,
                        cLatency(cBinary.get(), image, size, order, dir)));
            }
            System.out.println("latency run " + run + ": " + probes.subList(Math.max(0, probes.size() - 3), probes.size()));
        }
        Files.delete(image);
        report.put("faultLatency", Map.of("pages", pages, "probes", probes));
        plotLatency(probes);
    }

    private static Histogram pagerLatency(Pager pager, Path image, long size, long[] order) {
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.file(image)).pager(pager).open()) {
            MemorySegment m = r.segment();
            Histogram h = new Histogram(3);
            long sink = 0;
            for (long p : order) {
                long t0 = System.nanoTime();
                VarHandle.fullFence();
                // the address depends on t0 (bit 62 of nanoTime is 0), so the read cannot start before it;
                // the fences keep the JIT from moving it out of the timed window
                byte v = m.get(JAVA_BYTE, p * PAGE + ((t0 >>> 62) & 1));
                VarHandle.fullFence();
                h.recordValue(System.nanoTime() - t0);
                sink += v;
            }
            RegionStats s = r.stats();
            if (s.demandFaults() < order.length) {
                System.out.println("WARNING: only " + s.demandFaults() + " of " + order.length + " accesses faulted: " + s);
            }
            BLACKHOLE = sink;
            return h;
        }
    }

    private static Histogram inProcessLatency(Path image, long size, long[] order) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ); Arena arena = Arena.ofShared();
             Userfaultfd uffd = Userfaultfd.open(); Mapping region = Mapping.anonymous(size)) {
            long src = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).address();
            try (FaultServer server = FaultServer.builder(uffd).serve(region, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.DIRECT)
                    .handler((fault, resolver) -> Resolution.from(resolver.copy(fault.pageAddress(), src + fault.pageOffset(), fault.pageSize(), Modes.none()), resolver))
                    .start()) {
                GuardedMemory mem = server.guarded(region);
                Histogram h = new Histogram(3);
                long sink = 0;
                for (long p : order) {
                    long t0 = System.nanoTime();
                    VarHandle.fullFence();
                    // the address depends on t0 (bit 62 of nanoTime is 0), so the read cannot start before it;
                    // the fences keep the JIT from moving it out of the timed window
                    byte v = mem.getByte(p * PAGE + ((t0 >>> 62) & 1));
                    VarHandle.fullFence();
                    h.recordValue(System.nanoTime() - t0);
                    sink += v;
                }
                BLACKHOLE = sink;
            return h;
            }
        }
    }

    private static Histogram cLatency(Path binary, Path image, long size, long[] order, Path dir) throws Exception {
        try (CReferenceHandler c = CReferenceHandler.start(binary, image, size, dir)) {
            MemorySegment m = c.region.segment();
            Histogram h = new Histogram(3);
            long sink = 0;
            for (long p : order) {
                long t0 = System.nanoTime();
                VarHandle.fullFence();
                // the address depends on t0 (bit 62 of nanoTime is 0), so the read cannot start before it;
                // the fences keep the JIT from moving it out of the timed window
                byte v = m.get(JAVA_BYTE, p * PAGE + ((t0 >>> 62) & 1));
                VarHandle.fullFence();
                h.recordValue(System.nanoTime() - t0);
                sink += v;
            }
            BLACKHOLE = sink;
            return h;
        }
    }

    // ---- record / replay -------------------------------------------------------------------------

    private void replaySection(Pager pager, int pages, Path dir) throws Exception {
        long size = pages * PAGE;
        Path image = dir.resolve("replay.img");
        writeImage(image, size);
        warm(image);
        Path recording = dir.resolve("first-touch.rec");
        // the repeated pattern: a quarter of the pages, in a fixed random order
        long[] all = permutation(pages, 11);
        long[] pattern = Arrays.copyOf(all, pages / 4);
        List<Map<String, Object>> rows = new ArrayList<>();
        RegionStats recorded = null;
        for (String variant : List.of("NONE (recording first touches)", "SEQUENTIAL", "POSTCOPY", "REPLAY", "REPLAY, eager (wait for the working set)")) {
            LazyRegion.Builder b = LazyRegion.builder(size).source(SourceSpec.file(image)).pager(pager);
            switch (variant) {
                case "SEQUENTIAL" -> b.prefetch(Prefetch.SEQUENTIAL);
                case "POSTCOPY" -> b.prefetch(Prefetch.POSTCOPY);
                case "NONE (recording first touches)" -> b.recordFirstTouch(recording);
                default -> b.replayFrom(recording);
            }
            long t0 = System.nanoTime();
            RegionStats s;
            try (LazyRegion r = b.open()) {
                if (variant.contains("eager")) {
                    long want = recorded.demandFaults();
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (r.stats().prefetchedPages() < want && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                }
                MemorySegment m = r.segment();
                long sink = 0;
                for (long p : pattern) {
                    for (int w = 0; w < 8; w++) {
                        sink += m.get(JAVA_LONG, p * PAGE + 8L * w);
                    }
                }
                BLACKHOLE = sink;
                s = r.stats();
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (recorded == null) {
                recorded = s;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("policy", variant);
            row.put("demandFaults", s.demandFaults());
            row.put("prefetchedPages", s.prefetchedPages());
            row.put("millis", ms);
            row.put("faultReductionVsNone", 1.0 - (double) s.demandFaults() / recorded.demandFaults());
            rows.add(row);
            System.out.println("pattern of " + pattern.length + " pages, " + row);
        }
        Files.deleteIfExists(recording);
        Files.delete(image);
        report.put("replay", Map.of("regionPages", pages, "patternPages", pattern.length, "rows", rows));
        plotReplay(rows);
    }

    // ---- goals -----------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Map<String, Object> goals() {
        Map<String, Object> g = new LinkedHashMap<>();
        List<Map<String, Object>> restore = (List<Map<String, Object>>) report.getOrDefault("restore", List.of());
        if (!restore.isEmpty()) {
            double worstFirst = restore.stream().filter(r -> r.get("method").toString().startsWith("lazy"))
                    .mapToDouble(r -> (double) r.get("firstAccessMillis")).max().orElse(Double.NaN);
            Map<String, Object> samples = (Map<String, Object>) report.getOrDefault("lazyFirstAccessSamples", Map.of());
            double worstMedian = samples.values().stream().mapToDouble(v -> (double) ((Map<String, Object>) v).get("medianMillis")).max().orElse(Double.NaN);
            g.put("firstAccessAtMost5ms", Map.of("worstLazyFirstAccessMillisInRestoreRuns", worstFirst,
                    "worstMedianOf25FirstAccessesMillis", worstMedian, "met", worstFirst <= 5, "metByMedian", worstMedian <= 5));
            List<Double> ratios = new ArrayList<>();
            for (Object size : restore.stream().map(r -> r.get("sizeMiB")).distinct().toList()) {
                double fill = median(restore.stream().filter(r -> r.get("sizeMiB").equals(size) && r.get("method").toString().startsWith("lazy"))
                        .mapToDouble(r -> (double) r.get("throughputMiBps")).toArray());
                double read = median(restore.stream().filter(r -> r.get("sizeMiB").equals(size) && r.get("method").toString().startsWith("read"))
                        .mapToDouble(r -> (double) r.get("throughputMiBps")).toArray());
                ratios.add(fill / read);
            }
            double worst = ratios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
            g.put("backgroundFillAtLeast70PercentOfSequentialRead", Map.of("fillOverReadPerSize", ratios, "met", worst >= 0.7));
        }
        Map<String, Object> lat = (Map<String, Object>) report.get("faultLatency");
        if (lat != null) {
            List<LatencyProbe> probes = (List<LatencyProbe>) lat.get("probes");
            double pagerP50 = median(probes.stream().filter(p -> p.handler().startsWith("pager")).mapToDouble(LatencyProbe::p50Micros).toArray());
            double pagerP99 = median(probes.stream().filter(p -> p.handler().startsWith("pager")).mapToDouble(LatencyProbe::p99Micros).toArray());
            double inP50 = median(probes.stream().filter(p -> p.handler().startsWith("in-process")).mapToDouble(LatencyProbe::p50Micros).toArray());
            double inP99 = median(probes.stream().filter(p -> p.handler().startsWith("in-process")).mapToDouble(LatencyProbe::p99Micros).toArray());
            double cP50 = median(probes.stream().filter(p -> p.handler().startsWith("C ")).mapToDouble(LatencyProbe::p50Micros).toArray());
            double cP99 = median(probes.stream().filter(p -> p.handler().startsWith("C ")).mapToDouble(LatencyProbe::p99Micros).toArray());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pagerP50OverInProcess", pagerP50 / inP50);
            m.put("pagerP99OverInProcess", pagerP99 / inP99);
            m.put("pagerP50OverC", pagerP50 / cP50);
            m.put("pagerP99OverC", pagerP99 / cP99);
            m.put("met", pagerP50 / inP50 <= 1.2 && pagerP99 / inP99 <= 1.2);
            g.put("pagerFaultLatencyAtMost1.2xInProcess", m);
        }
        Map<String, Object> rep = (Map<String, Object>) report.get("replay");
        if (rep != null) {
            List<Map<String, Object>> rows = (List<Map<String, Object>>) rep.get("rows");
            double async = (double) rows.get(3).get("faultReductionVsNone");
            double eager = (double) rows.get(4).get("faultReductionVsNone");
            g.put("replayAtLeast90PercentFewerDemandFaults", Map.of("replayReduction", async, "eagerReplayReduction", eager,
                    "met", async >= 0.9, "metEager", eager >= 0.9));
        }
        return g;
    }

    // ---- plots -----------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private void plotRestore(List<Map<String, Object>> rows, List<Long> sizes) throws IOException {
        for (String metric : List.of("firstAccessMillis", "fullyResidentMillis")) {
            CategoryChart c = new CategoryChartBuilder().width(900).height(500)
                    .title(metric.equals("firstAccessMillis") ? "Time to first access (ms, median of runs)" : "Time until fully resident (ms, median of runs)")
                    .xAxisTitle("image size (MiB)").yAxisTitle("ms").build();
            for (String method : rows.stream().map(r -> r.get("method").toString()).distinct().toList()) {
                List<Double> ys = new ArrayList<>();
                for (long mib : sizes) {
                    ys.add((median(rows.stream().filter(r -> r.get("method").equals(method) && r.get("sizeMiB").equals(mib))
                            .mapToDouble(r -> (double) r.get(metric)).toArray())));
                }
                c.addSeries(method, sizes.stream().map(String::valueOf).toList(), ys);
            }
            BitmapEncoder.saveBitmap(c, out.resolve(metric.equals("firstAccessMillis") ? "first_access" : "fully_resident").toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        }
        CategoryChart t = new CategoryChartBuilder().width(900).height(500).title("Fill throughput (MiB/s, warm page cache)")
                .xAxisTitle("image size (MiB)").yAxisTitle("MiB/s").build();
        for (String method : rows.stream().map(r -> r.get("method").toString()).distinct().toList()) {
            List<Double> ys = new ArrayList<>();
            for (long mib : sizes) {
                ys.add(median(rows.stream().filter(r -> r.get("method").equals(method) && r.get("sizeMiB").equals(mib))
                        .mapToDouble(r -> (double) r.get("throughputMiBps")).toArray()));
            }
            t.addSeries(method, sizes.stream().map(String::valueOf).toList(), ys);
        }
        BitmapEncoder.saveBitmap(t, out.resolve("throughput").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private void plotLatency(List<LatencyProbe> probes) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(900).height(500).title("Fault latency seen by the application (us, median of runs)")
                .xAxisTitle("percentile").yAxisTitle("us").build();
        for (String h : probes.stream().map(LatencyProbe::handler).distinct().toList()) {
            c.addSeries(h, List.of("p50", "p99"), List.of(
                    median(probes.stream().filter(p -> p.handler().equals(h)).mapToDouble(LatencyProbe::p50Micros).toArray()),
                    median(probes.stream().filter(p -> p.handler().equals(h)).mapToDouble(LatencyProbe::p99Micros).toArray())));
        }
        BitmapEncoder.saveBitmap(c, out.resolve("fault_latency").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private void plotReplay(List<Map<String, Object>> rows) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(1000).height(500).title("Demand faults of a repeated access pattern")
                .xAxisTitle("prefetch policy").yAxisTitle("demand faults").build();
        c.addSeries("demand faults", rows.stream().map(r -> r.get("policy").toString()).toList(),
                rows.stream().map(r -> ((Number) r.get("demandFaults")).doubleValue()).toList());
        BitmapEncoder.saveBitmap(c, out.resolve("replay").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static long[] permutation(int n, long seed) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static void writeImage(Path image, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING); Arena a = Arena.ofConfined()) {
            MemorySegment chunk = a.allocate(8 << 20, PAGE);
            for (long off = 0; off < size; off += chunk.byteSize()) {
                long n = Math.min(chunk.byteSize(), size - off);
                GeneratorSource.generate(size, size, PAGE, off, chunk, 0, n);
                ByteBuffer b = chunk.asSlice(0, n).asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
            }
        }
    }

    /** Reads the file once so that every variant starts from a warm page cache. */
    static void warm(Path image) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(8 << 20);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            while (ch.read(b) >= 0) {
                b.clear();
            }
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("java", Runtime.version().toString());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        try {
            m.put("loadAverageAtStart", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException e) {
            m.put("loadAverageAtStart", "unknown");
        }
        return m;
    }

    public static void main(String[] args) {
        System.exit(io.uffd4j.cli.options.CommandLines.configure(new picocli.CommandLine(new LazyBench())).execute(args));
    }
}
