package io.uffd4j.bench.faults;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
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
        byte[] source;
        try (InputStream in = CReference.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IOException("resource " + SOURCE + " is missing from the bench module");
            }
            source = in.readAllBytes();
        }
        String compiler = commandOutput(List.of("gcc", "--version")).lines().findFirst().orElse("gcc");
        String hash = sha256(source, String.join(" ", CFLAGS), compiler).substring(0, 16);
        Files.createDirectories(cacheDir);
        Path exe = cacheDir.resolve("fault_ref-" + hash);
        if (!Files.isExecutable(exe)) {
            Path src = cacheDir.resolve("fault_ref-" + hash + ".c");
            Files.write(src, source);
            Path tmp = Files.createTempFile(cacheDir, "fault_ref-", ".tmp");
            List<String> cmd = new ArrayList<>(List.of("gcc"));
            cmd.addAll(CFLAGS);
            cmd.addAll(List.of("-o", tmp.toString(), src.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                Files.deleteIfExists(tmp);
                throw new IOException("compiling the C reference failed: " + String.join(" ", cmd) + "\n" + out);
            }
            Files.move(tmp, exe, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return new CReference(exe, compiler);
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

    private static String commandOutput(List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + cmd.getFirst() + ": the C reference needs gcc (apt-get install gcc)", e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static String sha256(byte[] source, String... more) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(source);
            for (String m : more) {
                d.update((byte) 0);
                d.update(m.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
