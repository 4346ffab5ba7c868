package io.uffd4j.pager;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.pager.source.SourceSpec;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An application killed with SIGKILL leaves nothing behind: its launched pager (supervisor, worker and
 * guardian) exits and the pager's directory in /tmp (sockets, log) is removed.
 */
class KilledApplicationTest {
    /** The application: opens a region, touches it, says where everything is, then waits to be killed. */
    public static final class Application {
        public static void main(String[] args) throws Exception {
            Pager pager = Pager.launch();
            LazyRegion r = LazyRegion.builder(1 << 20).source(SourceSpec.generator(1, 1 << 20)).pager(pager).open();
            Verify.page(r.segment(), 1, 1 << 20, 3);
            System.out.println("READY dir=" + pager.log().orElseThrow().getParent() + " supervisor=" + pager.supervisorPid()
                    + " worker=" + pager.workerPid() + " guardian=" + pager.guardianPid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void aKilledApplicationLeavesNoPagerProcessAndNoTemporaryFiles() throws Exception {
        List<String> cmd = ChildJvm.command(List.of("-Xmx64m"), false, Application.class.getName(), List.of());
        Process app = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String ready = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(app.getInputStream()))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("READY")) {
                    ready = line;
                    break;
                }
            }
            assertNotNull(ready, "the application did not get ready");
            System.out.println(ready);
            Path dir = Path.of(field(ready, "dir"));
            assertTrue(Files.isDirectory(dir), dir::toString);
            List<Long> pids = List.of(Long.parseLong(field(ready, "supervisor")), Long.parseLong(field(ready, "worker")),
                    Long.parseLong(field(ready, "guardian")));
            app.destroyForcibly();
            app.waitFor(30, TimeUnit.SECONDS);
            awaitTrue(() -> pids.stream().noneMatch(KilledApplicationTest::alive), "pager processes " + pids + " outlived the application");
            awaitTrue(() -> !Files.exists(dir), "the pager's directory " + dir + " was left behind");
        } finally {
            app.destroyForcibly();
        }
    }

    private static boolean alive(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        return h.map(ProcessHandle::isAlive).orElse(false);
    }

    private static String field(String line, String name) {
        for (String part : line.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + line);
    }

    private static void awaitTrue(BooleanSupplier condition, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(failure);
            }
            Thread.sleep(20);
        }
    }
}
