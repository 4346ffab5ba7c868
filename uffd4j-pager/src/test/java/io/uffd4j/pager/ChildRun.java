package io.uffd4j.pager;

import io.uffd4j.internal.ChildJvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM with this JVM's module setup and a chosen collector; a stall of its
 * progress output or the deadline is a hang (reported with a thread dump), an hs_err file is a crash.
 */
final class ChildRun {
    static final List<String> COLLECTORS = List.of("-XX:+UseG1GC", "-XX:+UseParallelGC", "-XX:+UseZGC");

    record Result(int exitCode, String output, boolean timedOut, String threadDump, Path hsErr) {
        String describe() {
            return "exit=" + exitCode + (timedOut ? " HUNG" : "") + (hsErr != null ? " CRASHED (" + hsErr + ")" : "")
                    + "\n--- output ---\n" + tail(output, 8000)
                    + (threadDump.isEmpty() ? "" : "\n--- thread dump ---\n" + tail(threadDump, 20000));
        }

        private static String tail(String s, int n) {
            return s.length() <= n ? s : "..." + s.substring(s.length() - n);
        }
    }

    private ChildRun() {}

    static Result run(String gc, List<String> jvm, Class<?> main, List<String> args, Duration deadline, Duration stall)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("uffd4j-pager-child");
        Path out = dir.resolve("out.txt");
        List<String> opts = new ArrayList<>();
        opts.add(gc);
        opts.add("-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"));
        opts.add("-XX:-CreateCoredumpOnCrash");
        opts.addAll(jvm);
        Process p = new ProcessBuilder(ChildJvm.command(opts, true, main.getName(), args))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
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
            } else if (System.nanoTime() - lastGrowth > stall.toNanos()) {
                break;
            }
        }
        String dump = "";
        if (!done) {
            dump = jstack(p.pid());
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Path hsErr;
        try (var files = Files.list(dir)) {
            hsErr = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).findFirst().orElse(null);
        }
        String output = Files.readString(out);
        return new Result(done ? p.exitValue() : -1, output, !done, dump, hsErr);
    }

    private static String jstack(long pid) {
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(), Long.toString(pid))
                    .redirectErrorStream(true).start();
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
