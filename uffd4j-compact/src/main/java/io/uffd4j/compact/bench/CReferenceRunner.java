package io.uffd4j.compact.bench;

import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.Strategy;
import io.uffd4j.compact.internal.EngineAccess;
import io.uffd4j.compact.internal.Plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C reference: compact_ref.c (a resource) built with the machine's gcc at run time, run on the
 * plan of the very store the Java cycle is about to compact, so both produce the same pages.
 */
final class CReferenceRunner {
    static final String NOTE = "compact_ref.c produces the same to-space pages from the same plan in one thread "
            + "(UFFDIO_COPY or UFFDIO_MOVE, kept runs in one ioctl, MOVE recycling by reader counts), with no users "
            + "and no fault server; its time covers page production only. javaOverC compares the Java cycle's "
            + "compaction time (quiet runs) with it.";

    private final Path binary;
    private final String compiler;
    private final Path dir;

    private CReferenceRunner(Path dir, Path binary, String compiler) {
        this.dir = dir;
        this.binary = binary;
        this.compiler = compiler;
    }

    /** Builds the reference, or returns null (and says why) when gcc is missing or fails. */
    static CReferenceRunner build(PrintStream log) {
        try {
            Path dir = Files.createTempDirectory("uffd4j-compact-ref");
            dir.toFile().deleteOnExit();
            Path src = dir.resolve("compact_ref.c");
            try (InputStream in = CReferenceRunner.class.getResourceAsStream("compact_ref.c")) {
                Files.write(src, in.readAllBytes());
            }
            Path bin = dir.resolve("compact_ref");
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                log.println("C reference not built: " + out);
                return null;
            }
            Process v = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            String version = new String(v.getInputStream().readAllBytes()).lines().findFirst().orElse("gcc");
            v.waitFor();
            return new CReferenceRunner(dir, bin, version + " -O2");
        } catch (IOException | InterruptedException e) {
            log.println("C reference not built: " + e);
            return null;
        }
    }

    String compiler() {
        return compiler;
    }

    /** Median of three C runs on the store's next plan, in nanoseconds. */
    long measure(CompactingStore store, Strategy s) throws IOException, InterruptedException {
        Plan plan = EngineAccess.engine(store).planOnly();
        Path file = dir.resolve("plan.bin");
        plan.export(file);
        String method = s == Strategy.COPY ? "COPY" : "MOVE";
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder(binary.toString(), file.toString(), method).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("compact_ref failed: " + out);
            }
            times.add(Long.parseLong(out.split("\\s+")[0]));
        }
        Files.deleteIfExists(file);
        return CompactBench.median(times.stream().mapToLong(Long::longValue).toArray());
    }
}
