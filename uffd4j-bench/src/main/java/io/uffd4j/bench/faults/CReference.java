package io.uffd4j.bench.faults;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C reference handler: its source ships as a resource of this module and is compiled with the
 * machine's gcc on first use, then cached by source hash. Each configuration runs it once; it writes
 * the raw per-fault latencies of every measured run to a file that {@link RunResult#of} turns into the
 * same statistics as the Java side's.
 */
final class CReference {
    static final String SOURCE = "fault_ref.c";
    static final List<String> CFLAGS = List.of("-O2", "-pthread");
    private static final long MAGIC = 0x48434e4244464655L; // "UFFDBNCH"

    private final Path binary;
    private final String compiler;

    private CReference(Path binary, String compiler) {
        this.binary = binary;
        this.compiler = compiler;
    }

    /** Builds (or finds in {@code cacheDir}) the reference binary. */
    static CReference build(Path cacheDir) throws IOException, InterruptedException {
        io.uffd4j.bench.support.CProgram p = io.uffd4j.bench.support.CProgram.build(CReference.class, SOURCE, CFLAGS, cacheDir);
        return new CReference(p.binary(), p.compiler());
    }

    Path binary() {
        return binary;
    }

    String compiler() {
        return compiler;
    }

    /** One measured run in a fresh process (its first warm-up faults are not recorded, as on the Java side). */
    RunResult runOnce(Operation op, Strategy strategy, Settings s, boolean userModeOnly, Path scratch, Histogram merged)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(scratch, "c-" + op.key() + "-", ".bin");
        try {
            List<String> cmd = new ArrayList<>(List.of(binary.toString(),
                    "--op", op.key(), "--strategy", strategy == Strategy.NONE ? "block" : strategy.key(),
                    "--spin-ns", Long.toString(s.spinWindowNanos()), "--runs", "1",
                    "--warmup-runs", "0", "--faults", Integer.toString(s.faults()),
                    "--warmup-faults", Integer.toString(s.warmupFaults()), "--out", out.toString()));
            if (userModeOnly) {
                cmd.add("--user-mode-only");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("the C reference did not finish within 10 minutes: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IOException("the C reference failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + log);
            }
            return read(op, strategy, out, merged);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static RunResult read(Operation op, Strategy strategy, Path file, Histogram merged) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 24 || b.getLong() != MAGIC || b.getLong() != 1) {
            throw new IOException(file + " is not a version-1 result file of the C reference");
        }
        if (b.getLong() != 1) {
            throw new IOException(file + " should hold exactly one run");
        }
        {
            int faults = Math.toIntExact(b.getLong());
            long elapsed = b.getLong();
            long mismatches = b.getLong();
            long[] latencies = new long[faults];
            b.asLongBuffer().get(latencies);
            b.position(b.position() + faults * 8);
            if (mismatches != 0) {
                throw new IOException("C reference " + op.key() + "/" + strategy.key() + ": " + mismatches
                        + " pages had wrong contents after a run");
            }
            return RunResult.of(latencies, faults, elapsed, mismatches, merged);
        }
    }

}
