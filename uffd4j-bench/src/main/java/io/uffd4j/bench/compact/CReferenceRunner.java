package io.uffd4j.bench.compact;

import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.Strategy;
import io.uffd4j.compact.internal.EngineAccess;
import io.uffd4j.compact.internal.Plan;
import io.uffd4j.bench.support.CProgram;

import java.io.IOException;
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

    private final CProgram program;
    private final Path dir;

    private CReferenceRunner(CProgram program, Path dir) {
        this.program = program;
        this.dir = dir;
    }

    /** Builds the reference (cached like the other C references), or returns null and says why. */
    static CReferenceRunner build(PrintStream log) {
        try {
            CProgram program = CProgram.build(CReferenceRunner.class, "compact_ref.c", List.of("-O2", "-Wall"),
                    CProgram.defaultCache());
            Path dir = Files.createTempDirectory("uffd4j-compact-ref");
            dir.toFile().deleteOnExit();
            return new CReferenceRunner(program, dir);
        } catch (IOException | InterruptedException e) {
            log.println("C reference not built: " + e.getMessage());
            return null;
        }
    }

    String compiler() {
        return program.compiler() + " -O2";
    }

    /** Median of three C runs on the store's next plan, in nanoseconds. */
    long measure(CompactingStore store, Strategy s) throws IOException, InterruptedException {
        Plan plan = EngineAccess.engine(store).planOnly();
        Path file = dir.resolve("plan.bin");
        plan.export(file);
        String method = s == Strategy.COPY ? "COPY" : "MOVE";
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder(program.binary().toString(), file.toString(), method).redirectErrorStream(true).start();
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
