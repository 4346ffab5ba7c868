package io.uffd4j.serve;

import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.testkit.GcStorm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Child-JVM workload for {@link GcStormTest}: two guarded regions (one CHECKED, one DIRECT) served by
 * an in-process FaultServer, one reader thread each faulting every page and verifying it, pages
 * discarded after each pass so they fault again, while another thread allocates and calls
 * System.gc() in a loop. Prints "OK faults=N gcs=M" on success.
 */
public final class GcStormWorkload {
    static final long PAGE = 4096;

    public static void main(String[] args) throws Exception {
        long targetFaults = Long.parseLong(args[0]);
        int pages = Integer.parseInt(args[1]);
        AtomicLong pass = new AtomicLong();
        // Started once the server is up: under the storm, first-time class loading and method-handle
        // linking crawl (on 2 busy cores, past the 30 s stall watchdog), and start-up is not what is tested.
        GcStorm gcs = new GcStorm();
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping checked = Mapping.anonymous(pages * PAGE);
             Mapping direct = Mapping.anonymous(pages * PAGE);
             FaultServer server = FaultServer.builder(uffd)
                     .serve(checked, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.CHECKED)
                     .serve(direct, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.DIRECT)
                     .handler(new PatternHandler(pass))
                     .start()) {
            GuardedMemory[] regions = {server.guarded(checked), server.guarded(direct)};
            System.out.println("serving 2 x " + pages + " pages; starting the GC storm");
            gcs.start();
            long passes = (targetFaults + 2L * pages - 1) / (2L * pages);
            AtomicLong verified = new AtomicLong();
            Thread progress = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.out.println("progress faults=" + verified.get() + " gcs=" + gcs.collections());
                }
            });
            for (long p = 0; p < passes; p++) {
                pass.set(p);
                long expectedPass = p;
                Thread[] readers = new Thread[2];
                for (int r = 0; r < 2; r++) {
                    GuardedMemory mem = regions[r];
                    readers[r] = Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < pages; i++) {
                            long v = mem.getLong(i * PAGE + (i % 500) * 8);
                            long want = (expectedPass << 32) | i;
                            if (v != want) {
                                throw new AssertionError("page " + i + " of " + mem + " pass " + expectedPass
                                        + ": read " + Long.toHexString(v) + ", want " + Long.toHexString(want));
                            }
                            verified.incrementAndGet();
                        }
                        mem.discard(0, pages * PAGE);
                    });
                }
                for (Thread t : readers) {
                    t.join();
                }
            }
            ServerStats s = server.stats();
            progress.interrupt();
            gcs.close();
            if (verified.get() != s.missingFaults() || s.handlerFailures() != 0) {
                throw new AssertionError("verified " + verified + " pages but stats say " + s);
            }
            System.out.println("OK faults=" + s.missingFaults() + " gcs=" + gcs.collections() + " service=" + s.serviceTime());
        }
    }

    /** Fills each page with (pass << 32 | page index) in every word. */
    static final class PatternHandler implements FaultHandler {
        private final AtomicLong pass;
        private final ThreadLocal<MemorySegment> buffer = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(PAGE, PAGE));

        PatternHandler(AtomicLong pass) {
            this.pass = pass;
        }

        @Override
        public Resolution handle(io.uffd4j.event.PageFault fault, io.uffd4j.Resolver resolver) {
            MemorySegment b = buffer.get();
            long value = (pass.get() << 32) | (fault.pageOffset() / PAGE);
            for (long o = 0; o < PAGE; o += 8) {
                b.set(JAVA_LONG, o, value);
            }
            return Resolution.from(resolver.copy(fault.pageAddress(), b.address(), PAGE, Modes.none()), resolver);
        }
    }
}
