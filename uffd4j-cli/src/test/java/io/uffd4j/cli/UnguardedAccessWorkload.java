package io.uffd4j.cli;

import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.UnguardedAccess;
import io.uffd4j.serve.FaultServer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Child-JVM workload for {@link SafepointDeadlockTest}: what the safepoint rule forbids. A FaultServer of
 * this JVM serves a region that the main thread reads with a plain MemorySegment (the documented
 * opt-out), while another thread allocates and calls System.gc() in a loop (started once everything is
 * set up). Prints "ready", progress every 256 pages, and "COMPLETED" if it ever gets through.
 */
public final class UnguardedAccessWorkload {
    public static void main(String[] args) throws Exception {
        int pages = Integer.parseInt(args[0]);
        Thread storm = Thread.ofPlatform().daemon().name("gc-storm").unstarted(() -> {
            List<byte[]> keep = new ArrayList<>();
            while (true) {
                for (int i = 0; i < 200; i++) {
                    keep.add(new byte[1024 + (i % 7) * 512]);
                }
                if (keep.size() > 2_000) {
                    keep.clear();
                }
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(pages * 4096L);
             FaultServer server = FaultServer.builder(uffd)
                     .serve(region, RegisterMode.MISSING)
                     .handler(new PatternHandler(4096))
                     .start()) {
            MemorySegment raw = region.unguardedSegment(UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK);
            System.out.println("ready: serving " + pages + " pages, starting the GC storm");
            storm.start();
            long sum = 0;
            for (int p = 0; p < pages; p++) {
                sum += raw.get(JAVA_BYTE, p * 4096L);   // a fault taken "in Java"
                if (p % 256 == 0) {
                    System.out.println("progress pages=" + p);
                }
            }
            System.out.println("COMPLETED pages=" + pages + " sum=" + sum + " faults=" + server.stats().missingFaults());
        }
    }
}
