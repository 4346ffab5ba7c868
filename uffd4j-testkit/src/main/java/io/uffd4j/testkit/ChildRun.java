package io.uffd4j.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test support: runs a main class in a child JVM with this JVM's module setup and a chosen collector, with a
 * deadline: a hang is a failure with a thread dump, a crash (hs_err file) is a failure with its log.
 *
 * <p>The command line comes from the caller's {@link Launcher}, in practice core's
 * {@code io.uffd4j.internal.ChildJvm::command}: that is the code the pager starts its processes with, and
 * the test kit depends on no uffd4j module, so that core's own tests can use it too.
 */
public final class ChildRun {
    /** Builds {@code java <this JVM's options> <options> mainClass args}; {@code dropGc}: leave out this JVM's collector choice. */
    @FunctionalInterface
    public interface Launcher {
        List<String> command(List<String> options, boolean dropGc, String mainClass, List<String> args);
    }

    /** The collectors every fault-serving component is stress-tested under. */
    public static final List<String> COLLECTORS = List.of("-XX:+UseG1GC", "-XX:+UseParallelGC", "-XX:+UseZGC");

    public record Result(int exitCode, String output, boolean timedOut, String threadDump, Path hsErr) {
        public String describe() {
            return "exit=" + exitCode + (timedOut ? " TIMED OUT" : "") + (hsErr != null ? " CRASHED (" + hsErr + ")" : "")
                    + "\n--- output ---\n" + tail(output, 8000)
                    + (threadDump.isEmpty() ? "" : "\n--- thread dump at the deadline ---\n" + tail(threadDump, 20000));
        }

        private static String tail(String s, int n) {
            return s.length() <= n ? s : "..." + s.substring(s.length() - n);
        }
    }

    private ChildRun() {}

    public static Result run(Launcher launcher, String gc, List<String> extraJvmOptions, Class<?> main, List<String> args,
                             Duration deadline) throws IOException, InterruptedException {
        return run(launcher, gc, extraJvmOptions, main, args, deadline, null);
    }

    /**
     * Like {@link #run(Launcher, String, List, Class, List, Duration)}, and also a hang when the output has not
     * grown for {@code stall} (the child prints progress lines): a stuck process is caught long
     * before the overall deadline.
     */
    public static Result run(Launcher launcher, String gc, List<String> extraJvmOptions, Class<?> main, List<String> args,
                             Duration deadline, Duration stall) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("uffd4j-child");
        Path out = dir.resolve("out.txt");
        List<String> opts = new ArrayList<>();
        if (gc != null) {
            opts.add(gc);
        }
        opts.add("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"));
        opts.add("-XX:-CreateCoredumpOnCrash");
        opts.addAll(extraJvmOptions);
        List<String> cmd = launcher.command(opts, gc != null, main.getName(), args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long end = System.nanoTime() + deadline.toNanos();
        long lastSize = -1;
        long lastGrowth = System.nanoTime();
        boolean done = false;
        while (!done && System.nanoTime() < end) {
            done = p.waitFor(500, TimeUnit.MILLISECONDS);
            long size = Files.size(out);
            if (size != lastSize) {
                lastSize = size;
                lastGrowth = System.nanoTime();
            } else if (stall != null && System.nanoTime() - lastGrowth > stall.toNanos()) {
                break;
            }
        }
        String dump = "";
        if (!done) {
            dump = threadDump(p.pid());
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Path hsErr;
        try (var files = Files.list(dir)) {
            hsErr = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).findFirst().orElse(null);
        }
        String output = Files.readString(out);
        if (hsErr != null) {
            output += "\n--- " + hsErr + " ---\n" + Files.readString(hsErr);
        } else {
            // Everything is in the result; a crash's files stay for diagnosis.
            Files.deleteIfExists(out);
            Files.deleteIfExists(dir);
        }
        return new Result(done ? p.exitValue() : -1, output, !done, dump, hsErr);
    }

    private static String threadDump(long pid) {
        try {
            Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
            Process j = new ProcessBuilder(jstack.toString(), Long.toString(pid)).redirectErrorStream(true).start();
            if (!j.waitFor(20, TimeUnit.SECONDS)) {
                j.destroyForcibly();
                return "(jstack did not answer: the JVM is stuck at a safepoint)";
            }
            return new String(j.getInputStream().readAllBytes());
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }
}
