package io.uffd4j.pager;

import io.uffd4j.pager.source.SourceSpec;

import java.util.concurrent.TimeUnit;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Child-JVM workload for {@link ForkTest}, run with {@code -Djdk.lang.Process.launchMechanism=FORK}: while
 * a lazy region is open (with FORK events), starts N short processes, each of which forks this JVM with
 * the region and execs. Prints the pager worker's threads and descriptors before, just after, and once
 * back to the baseline ("OK ...") or after the deadline ("LEAK ...").
 */
public final class ForkLaunchWorkload {
    public static void main(String[] args) throws Exception {
        int launches = Integer.parseInt(args[0]);
        long size = 64 * PAGE;
        try (Pager pager = Pager.launch();
             LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(5, size)).pager(pager).open()) {
            if (r.segment().get(JAVA_LONG, 8) != Verify.expected(5, size, 8)) {
                throw new AssertionError("wrong word in the region");
            }
            long worker = pager.workerPid();
            ProcessCensus before = ProcessCensus.of(worker);
            for (int i = 0; i < launches; i++) {
                Process p = new ProcessBuilder("true").start();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new AssertionError("launch " + i + " failed");
                }
            }
            ProcessCensus after = ProcessCensus.of(worker);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            ProcessCensus now = after;
            while (!(now.threads() <= before.threads() + 2 && now.fds() <= before.fds() + 2) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling /proc: the worker has no event to wait on
                now = ProcessCensus.of(worker);
            }
            boolean ok = now.threads() <= before.threads() + 2 && now.fds() <= before.fds() + 2;
            System.out.println((ok ? "OK" : "LEAK") + " worker " + worker + " after " + launches + " FORK launches: threads "
                    + before.threads() + " -> " + after.threads() + " -> " + now.threads() + ", descriptors " + before.fds()
                    + " -> " + after.fds() + " -> " + now.fds() + " (before -> just after -> settled)");
            if (r.segment().get(JAVA_LONG, 40 * PAGE) != Verify.expected(5, size, 40 * PAGE)) {
                throw new AssertionError("wrong word in the region after the launches");
            }
        }
    }
}
