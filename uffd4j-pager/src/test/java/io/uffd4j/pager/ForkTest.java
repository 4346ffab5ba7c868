package io.uffd4j.pager;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.pager.server.ChildProcesses;
import io.uffd4j.pager.server.PagerSupervisor;
import io.uffd4j.pager.server.SupervisorConfig;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
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
        try (Setup t = Setup.start(dir)) {
            Process client = t.client();
            String out = new String(client.getInputStream().readAllBytes());
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            System.out.println(out);
            assertEquals(0, client.exitValue(), () -> out + t.diagnosis());
            assertTrue(out.contains("OK"), out);
            assertTrue(log(dir).contains("serving a forked child's copy"), () -> log(dir));
        }
    }

    /**
     * A forked child outlives its parent's region (closed while the child still has pages to fault): the
     * child's copy is still served from the image, whose source stays open until the child is gone.
     */
    @Test
    void aForkedChildOutlivingItsParentsRegionIsStillServedFromTheImage(@TempDir Path dir) throws Exception {
        try (Setup t = Setup.start(dir)) {
            Process client = t.client("outlive", dir.resolve("memory.img").toString());
            String out = new String(client.getInputStream().readAllBytes());
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            System.out.println(out);
            assertEquals(0, client.exitValue(), () -> out + t.diagnosis());
            assertTrue(out.contains("CHILD 0"), () -> "the child did not read its pages right (42: SIGBUS): " + out + t.diagnosis());
        }
    }

    /**
     * A forked child of a shared-memfd region: its servers and the parent's would write the same page
     * cache, so the child's accesses fail loudly (SIGBUS, reported) rather than risk a half-written page;
     * above all, neither the child nor the parent ever reads zeros for an unfilled page.
     */
    @Test
    void aForkedChildOfASharedRegionFailsLoudlyAndTheParentReadsTheRightContent(@TempDir Path dir) throws Exception {
        try (Setup t = Setup.start(dir)) {
            Process client = t.client("shared");
            String out = new String(client.getInputStream().readAllBytes());
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            System.out.println(out);
            assertTrue(out.contains("CHILD 42"), () -> "the forked child did not get SIGBUS: " + out + t.diagnosis());
            assertEquals(0, client.exitValue(), () -> out + t.diagnosis());
            assertTrue(out.contains("OK parent"), out);
            assertTrue(log(dir).contains("a forked child's copy of a shared-memfd region"), () -> log(dir));
        }
    }

    /**
     * The issue "forked children leak inside the pager worker": a process forks 100 children while its
     * region is served; half of them verify a page and exit, half exec a long-running program (their
     * memory is gone while the process lives on). Every child's server, with its thread and descriptors,
     * must be gone from the worker soon after, while the region itself stays open and served.
     */
    @Test
    void theWorkerReleasesEveryForkedChildOnceItsMemoryIsGone(@TempDir Path dir) throws Exception {
        int children = 100;
        try (Setup t = Setup.start(dir)) {
            Process client = t.client("many", Integer.toString(children));
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            Writer in = new OutputStreamWriter(client.getOutputStream());
            long worker = t.worker(out);
            assertEquals("READY", out.readLine());
            ProcessCensus before = ProcessCensus.of(worker);
            long rssBefore = rssKib(worker);

            in.write("fork\n");
            in.flush();
            assertEquals("FORKED " + children, out.readLine(), () -> err(dir));
            ProcessCensus after = ProcessCensus.of(worker);
            long rssAfter = rssKib(worker);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            ProcessCensus now = ProcessCensus.of(worker);
            while (!backToBaseline(now, before) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling /proc: the worker has no event to wait on
                now = ProcessCensus.of(worker);
            }
            long rssEnd = rssKib(worker);
            System.out.printf("worker %d with %d forked children: threads %d -> %d -> %d, descriptors %d -> %d -> %d,"
                            + " RSS %d -> %d -> %d MiB (before forking -> just after -> settled)%n", worker, children,
                    before.threads(), after.threads(), now.threads(), before.fds(), after.fds(), now.fds(),
                    rssBefore >> 10, rssAfter >> 10, rssEnd >> 10);
            ProcessCensus last = now;
            assertTrue(backToBaseline(now, before), () -> "the worker still holds the forked children's servers 30 s later: "
                    + "threads " + before.threads() + " -> " + last.threads() + ", descriptors " + before.fds() + " -> " + last.fds()
                    + t.diagnosis());
            assertTrue(log(dir).contains("serving a forked child's copy"), () -> log(dir));

            in.write("close\n");
            in.flush();
            String done = out.readLine();
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            assertEquals(0, client.exitValue(), () -> done + " " + err(dir) + t.diagnosis());
            assertEquals("OK " + children + " forked children served", done);
        }
    }

    /**
     * The application's memory goes away while its region is still open (it execs, keeping its pager
     * connection): the region's server thread in the worker must end, as a guardian's must when the
     * application exits. (The supervisor closes the region when the connection closes.)
     */
    @Test
    void aRegionServerEndsWhenItsApplicationsMemoryIsGone(@TempDir Path dir) throws Exception {
        try (Setup t = Setup.start(dir)) {
            Process client = t.client("exec");
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            long worker = t.worker(out);
            assertEquals("READY", out.readLine());
            assertTrue(awaitRegionThreads(worker, 1), "the region's server thread did not start");

            Writer in = new OutputStreamWriter(client.getOutputStream());
            in.write("exec\n");
            in.flush();
            assertTrue(awaitRegionThreads(worker, 0), () -> "the region's server still runs 30 s after its application's memory went away"
                    + t.diagnosis());
            assertTrue(client.isAlive(), "the client (now sleep) ended: the test did not keep the connection open");
            assertTrue(log(dir).contains("the application's memory is gone"), () -> log(dir));
        }
    }

    /**
     * A forked child's copy of the region survives a worker restart: the child's userfaultfd exists only
     * because the pager took it from the FORK event, so the supervisor keeps a copy and hands it to the
     * next worker (and to the guardian). Without that, the worker's death unregistered the child's range
     * and the child read its unfilled pages as zeros.
     */
    @Test
    void aForkedChildIsStillServedAfterTheWorkerIsKilled(@TempDir Path dir) throws Exception {
        try (Setup t = Setup.start(dir)) {
            Process client = t.client("restart");
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
            long worker = t.worker(out);
            assertEquals("FORKED", out.readLine());
            long t0 = System.nanoTime();
            while (!log(dir).contains("serving a forked child's copy")) {
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), () -> "the child was not adopted: " + log(dir));
                Thread.sleep(20); // the pager's log is the only signal of the adoption
            }
            ProcessHandle.of(worker).ifPresent(ProcessHandle::destroyForcibly);
            long successor = -1;
            while (successor <= 0) {
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), () -> "no new worker: " + log(dir));
                Thread.sleep(20);
                successor = t.daemon.children().filter(c -> c.pid() != worker && c.info().arguments()
                        .map(a -> List.of(a).contains("io.uffd4j.pager.server.PagerWorker")).orElse(false))
                        .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            }
            Writer in = new OutputStreamWriter(client.getOutputStream());
            in.write("go\n");
            in.flush();
            String rest = out.lines().reduce("", (a, b) -> a + b + "\n");
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client still runs after 60 s");
            System.out.println("worker " + worker + " killed, successor " + successor + ": " + rest);
            assertTrue(rest.contains("CHILD 0"), () -> "the forked child did not read its pages right after the restart"
                    + " (1: wrong word, e.g. zeros; 42: SIGBUS): " + rest + err(dir) + t.diagnosis());
            assertEquals(0, client.exitValue(), () -> rest + err(dir) + t.diagnosis());
        }
    }

    /**
     * One test's pager daemon and native client: builds the client (skipping the test without gcc or
     * root), starts the daemon, and ends the client, its children and the daemon's processes at close.
     */
    private static final class Setup implements AutoCloseable {
        final Path dir;
        final Path bin;
        final Path socket;
        final Process daemon;
        private Process client;

        private Setup(Path dir, Path bin) throws IOException, InterruptedException {
            this.dir = dir;
            this.bin = bin;
            this.socket = dir.resolve("pager.sock");
            this.daemon = startDaemon(dir, socket);
        }

        static Setup start(Path dir) throws IOException, InterruptedException {
            Path bin = build(dir);
            assumeTrue(bin != null, "gcc is needed to build the native fork client");
            assumeTrue(Libc0.isRoot(), "FORK events need CAP_SYS_PTRACE");
            return new Setup(dir, bin);
        }

        /** Starts the client in {@code mode} (none: the plain fork run); its stderr goes to client.err. */
        Process client(String... mode) throws IOException {
            List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString(), socket.toString()));
            cmd.addAll(List.of(mode));
            client = new ProcessBuilder(cmd).redirectError(dir.resolve("client.err").toFile()).start();
            return client;
        }

        /** Reads the client's first line, "WORKER pid". */
        long worker(BufferedReader out) throws IOException {
            String first = out.readLine();
            assertNotNull(first, () -> "the client ended: " + diagnosis());
            return Long.parseLong(first.substring("WORKER ".length()));
        }

        String diagnosis() {
            return err(dir) + "\n--- pager log ---\n" + log(dir);
        }

        @Override
        public void close() throws InterruptedException {
            if (client != null) {
                client.descendants().forEach(ProcessHandle::destroyForcibly); // sleepers or children, if the test failed
                client.destroyForcibly();
            }
            daemon.descendants().forEach(ProcessHandle::destroyForcibly);
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Waits up to 30 s until the worker has {@code count} region server threads. */
    private static boolean awaitRegionThreads(long worker, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (regionThreads(worker) != count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50); // polling /proc: the worker has no event to wait on
        }
        return true;
    }

    /** Threads named uffd4j-pager-region-* (the kernel keeps the first 15 characters). */
    private static long regionThreads(long pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).startsWith("uffd4j-pager-re");
                } catch (IOException exited) {
                    return false;
                }
            }).count();
        }
    }

    /**
     * The same through Java: a JVM with {@code -Djdk.lang.Process.launchMechanism=FORK} starts 200
     * processes while a lazy region (with FORK events) is open; each start forks the JVM with the region.
     */
    @Test
    void aJvmLaunchingProcessesWithForkLeavesNothingInTheWorker() throws Exception {
        assumeTrue(Libc0.isRoot(), "FORK events need CAP_SYS_PTRACE");
        ChildRun.Result r = ChildRun.run(ChildJvm::command, ChildRun.COLLECTORS.get(0), List.of("-Xmx128m", "-Djdk.lang.Process.launchMechanism=FORK"),
                ForkLaunchWorkload.class, List.of("200"), Duration.ofMinutes(3));
        System.out.println(r.output().lines().filter(l -> l.startsWith("OK") || l.startsWith("LEAK")).findFirst().orElse(r.describe()));
        assertFalse(r.timedOut(), r::describe);
        assertNull(r.hsErr(), r::describe);
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("OK worker"), r::describe);
    }

    /** Within JVM noise (a JIT compiler thread, a descriptor of a class file): a leak per child would show as ~100. */
    private static boolean backToBaseline(ProcessCensus now, ProcessCensus before) {
        return now.threads() <= before.threads() + 2 && now.fds() <= before.fds() + 2;
    }

    private static long rssKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
    }

    private static Process startDaemon(Path dir, Path socket) throws IOException, InterruptedException {
        SupervisorConfig settings = new SupervisorConfig(socket, true, Duration.ofSeconds(3), 3, "128m");
        Process daemon = new ProcessBuilder(ChildProcesses.command(List.of("-Xmx64m"), PagerSupervisor.class, settings.toArgs()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pager.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!log(dir).contains("listening") && System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                fail("the pager daemon exited: " + log(dir));
            }
            Thread.sleep(50);
        }
        return daemon;
    }

    private static String err(Path dir) {
        try {
            return Files.readString(dir.resolve("client.err"));
        } catch (IOException e) {
            return "(no client output)";
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
