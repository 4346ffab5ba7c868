package io.uffd4j.pager;

import io.uffd4j.pager.server.ChildProcesses;
import io.uffd4j.pager.server.PagerSupervisor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * FORK: a native process (built with gcc at test time) opens a lazy region with a pager daemon, touches
 * part of it and forks; the child's unfilled pages fault on the userfaultfd that came with the FORK
 * event, which the pager adopts and serves. Both processes verify every word. (A JVM cannot be forked
 * with its address space, hence a native client.)
 */
class ForkTest {
    @Test
    void aForkedChildInheritsTheRegionAndIsServed(@TempDir Path dir) throws Exception {
        Path bin = build(dir);
        assumeTrue(bin != null, "gcc is needed to build the native fork client");
        assumeTrue(Libc0.isRoot(), "FORK events need CAP_SYS_PTRACE");
        Path socket = dir.resolve("pager.sock");
        PagerSupervisor.Settings settings = new PagerSupervisor.Settings(socket, true, Duration.ofSeconds(3), 3, "128m");
        Process daemon = new ProcessBuilder(ChildProcesses.command(List.of("-Xmx64m"), PagerSupervisor.class, settings.toArgs()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pager.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(dir.resolve("pager.log")).contains("listening") && System.nanoTime() < deadline) {
                assertTrue(daemon.isAlive(), () -> log(dir));
                Thread.sleep(50);
            }
            Process client = new ProcessBuilder(bin.toString(), socket.toString()).redirectErrorStream(true).start();
            String out = new String(client.getInputStream().readAllBytes());
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            System.out.println(out);
            assertEquals(0, client.exitValue(), () -> out + "\n--- pager log ---\n" + log(dir));
            assertTrue(out.contains("OK"), out);
            assertTrue(log(dir).contains("serving a forked child's copy"), () -> log(dir));
        } finally {
            daemon.descendants().forEach(ProcessHandle::destroyForcibly);
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("pager.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static Path build(Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("fork_client.c");
        try (InputStream in = ForkTest.class.getResourceAsStream("fork_client.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path bin = dir.resolve("fork_client");
        try {
            Process gcc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), src.toString()).redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes());
            if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                fail("gcc failed:\n" + out);
            }
        } catch (IOException e) {
            return null;
        }
        return bin;
    }

    /** Whether this process runs as root (FORK events need CAP_SYS_PTRACE). */
    private static final class Libc0 {
        static boolean isRoot() {
            try {
                return Files.readString(Path.of("/proc/self/status")).lines()
                        .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
            } catch (IOException e) {
                return false;
            }
        }
    }
}
