package io.uffd4j.serve;

import io.uffd4j.CopyMode;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault engine itself: what the listener hears and when, the JFR event, a deferred resolution,
 * background work and the quiet check that ends a loop, and the Resolver's whole-range loop.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FaultLoopTest {
    static final long PAGE = PageSizes.base();

    /** A handler that fails twice per page, then copies page i as the value i + 1 in every word. */
    private static final class FailingTwice implements FaultHandler {
        final MemorySegment staging;

        FailingTwice(MemorySegment staging) {
            this.staging = staging;
        }

        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            if (fault.attempt() < 3) {
                throw new IllegalStateException("not yet: attempt " + fault.attempt());
            }
            long value = fault.pageOffset() / PAGE + 1;
            for (long o = 0; o < PAGE; o += 8) {
                staging.set(JAVA_LONG, o, value);
            }
            return Resolution.from(resolver.copy(fault.pageAddress(), staging.address(), PAGE, Modes.none()), resolver);
        }
    }

    @Test
    void listenerHearsEachFailedAttemptWithItsOwnCopyOfTheFault() {
        List<PageFault> failed = new CopyOnWriteArrayList<>();
        List<String> reasons = new CopyOnWriteArrayList<>();
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(4 * PAGE);
             Arena arena = Arena.ofShared();
             FaultServer server = FaultServer.builder(uffd)
                     .serve(region, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.CHECKED)
                     .failurePolicy(new FailurePolicy(5, Duration.ofMillis(1), Duration.ofMillis(2), FailurePolicy.GiveUp.POISON))
                     .handler(new FailingTwice(arena.allocate(PAGE, PAGE)))
                     .listener(new FaultListener() {
                         @Override
                         public void onHandlerFailure(PageFault fault, Throwable failure) {
                             failed.add(fault);
                             reasons.add(failure.getMessage());
                         }
                     })
                     .start()) {
            GuardedMemory memory = server.guarded(region);
            assertEquals(3L, memory.getLong(2 * PAGE + 16), "served on the third attempt");
            assertEquals(2, failed.size(), "one call per failed attempt: " + failed);
            assertEquals(List.of("not yet: attempt 1", "not yet: attempt 2"), reasons);
            for (int i = 0; i < 2; i++) {
                PageFault f = failed.get(i);
                assertEquals(i + 1, f.attempt(), "each copy keeps its own attempt number");
                assertEquals(region.address() + 2 * PAGE, f.pageAddress());
                assertEquals(2 * PAGE, f.pageOffset());
                assertEquals(FaultKind.MISSING, f.kind());
            }
            assertNotSame(failed.get(0), failed.get(1));
            ServerStats s = server.stats();
            assertEquals(2, s.handlerFailures());
            assertEquals(0, s.gaveUp());
        }
    }

    /**
     * A handler that answers RETRY (a transient condition) more often than the retry queue holds faults: the
     * faults that find the queue full are woken to fault again, never poisoned (nothing failed), and every
     * page is served once the condition passes.
     */
    @Test
    void retriesThatOverflowTheQueueAreWokenNotPoisoned() throws Exception {
        int pages = 6;
        AtomicInteger retried = new AtomicInteger();
        try (Userfaultfd uffd = Userfaultfd.builder().features(io.uffd4j.Feature.POISON).build();
             Mapping region = Mapping.anonymous(pages * PAGE);
             Arena arena = Arena.ofShared()) {
            MemorySegment staging = arena.allocate(PAGE, PAGE);
            try (FaultServer server = FaultServer.builder(uffd)
                    .serve(region, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.CHECKED)
                    .retryCapacity(2)
                    .handler((f, r) -> {
                        if (retried.incrementAndGet() < 500) {
                            return Resolution.RETRY;
                        }
                        staging.fill((byte) (f.pageOffset() / PAGE + 1));
                        return Resolution.from(r.copy(f.pageAddress(), staging.address(), PAGE, Modes.none()), r);
                    })
                    .start()) {
                GuardedMemory memory = server.guarded(region);
                List<Thread> readers = new ArrayList<>();
                byte[] got = new byte[pages];
                for (int p = 0; p < pages; p++) {
                    int page = p;
                    readers.add(Thread.ofPlatform().start(() -> got[page] = memory.getByte(page * PAGE + 3)));
                }
                for (Thread t : readers) {
                    t.join(30_000);
                    assertFalse(t.isAlive(), "a reader still waits");
                }
                for (int p = 0; p < pages; p++) {
                    assertEquals((byte) (p + 1), got[p], "page " + p);
                }
                ServerStats s = server.stats();
                assertEquals(0, s.poisoned(), "nothing failed: nothing is poisoned");
                assertEquals(0, s.gaveUp());
                assertTrue(s.retries() >= 499, "retries counted: " + s);
            }
        }
    }

    @Test
    void jfrEventForEachFaultNamesItsResolution(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("faults.jfr");
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(8 * PAGE);
             Recording recording = new Recording()) {
            recording.enable("io.uffd4j.FaultServed").withThreshold(Duration.ZERO);
            recording.start();
            try (FaultServer server = FaultServer.builder(uffd).serve(region, RegisterMode.MISSING)
                    .handler((f, r) -> Resolution.from(r.zeroPage(f.pageAddress(), PAGE, Modes.none()), r))
                    .start()) {
                GuardedMemory memory = server.guarded(region);
                for (int p = 0; p < 8; p++) {
                    assertEquals(0L, memory.getLong(p * PAGE));
                }
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("io.uffd4j.FaultServed")).toList();
        assertEquals(8, events.size(), "one event per fault: " + events);
        for (RecordedEvent e : events) {
            assertEquals("RESOLVED", e.getString("outcome"));
            assertEquals("MISSING", e.getString("kind"));
            assertEquals(1, e.getInt("attempt"));
        }
    }

    @Test
    void deferredFaultIsResolvedByAnotherThread() throws Exception {
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(2 * PAGE);
             Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(PAGE, PAGE);
            page.fill((byte) 7);
            Userfaultfd resolverSide = uffd;
            try (FaultServer server = FaultServer.builder(uffd).serve(region, RegisterMode.MISSING)
                    .handler((f, r) -> {
                        long at = f.pageAddress();
                        Thread.ofPlatform().start(() -> resolverSide.copy(at, page));
                        return Resolution.DEFERRED;
                    })
                    .start()) {
                assertEquals((byte) 7, server.guarded(region).getByte(PAGE + 5));
                assertEquals(0, server.stats().handlerFailures());
            }
        }
    }

    @Test
    void backgroundWorkRunsWhileQuietAndTheQuietCheckEndsTheLoop() throws Exception {
        AtomicInteger steps = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(1);
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(PAGE)) {
            FaultLoop loop = FaultLoop.builder()
                    .read(uffd)
                    .ranges(a -> null)
                    .handler((f, r) -> Resolution.RESOLVED)
                    .background(() -> steps.incrementAndGet() < 5)
                    .quietCheck(Duration.ofMillis(1), () -> checks.incrementAndGet() < 3)
                    .build();
            Thread t = Thread.ofPlatform().start(() -> {
                loop.run();
                ended.countDown();
            });
            assertTrue(ended.await(30, TimeUnit.SECONDS), "the loop ended when its quiet check said so");
            t.join();
            assertTrue(loop.endedByItself());
            assertFalse(loop.isRunning());
            assertTrue(steps.get() >= 5, "background steps ran until one said it had nothing to do: " + steps);
            assertEquals(3, checks.get());
        }
    }

    @Test
    void stopBeforeRunEndsAtOnce() {
        try (Userfaultfd uffd = Userfaultfd.open()) {
            FaultLoop loop = FaultLoop.builder().read(uffd).ranges(a -> null).handler((f, r) -> Resolution.RESOLVED).build();
            loop.stop();
            loop.run();
            assertFalse(loop.isRunning());
            assertFalse(loop.endedByItself());
        }
    }

    /** copyAll over a range where some pages are there already: the rest is installed, the present ones reported, nothing replaced. */
    @Test
    void wholeRangeCopyStepsOverPresentPagesAndInstallsTheRest() {
        int pages = 8;
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(pages * PAGE);
             Arena arena = Arena.ofShared()) {
            uffd.register(region.address(), region.size(), EnumSet.of(RegisterMode.MISSING));
            MemorySegment source = arena.allocate(pages * PAGE, PAGE);
            for (int p = 0; p < pages; p++) {
                source.asSlice(p * PAGE, PAGE).fill((byte) (p + 1));
            }
            MemorySegment other = arena.allocate(PAGE, PAGE);
            other.fill((byte) 99);
            Resolver r = uffd.newResolver();
            for (int p : new int[] {0, 3, 7}) {
                assertEquals(Errno.NONE, r.copy(region.address() + p * PAGE, other.address(), PAGE, Modes.none()));
            }
            List<long[]> installed = new ArrayList<>();
            List<Long> present = new ArrayList<>();
            Errno e = r.copyAll(region.address(), source.address(), pages * PAGE, Modes.<CopyMode>none(), new Resolver.RangeProgress() {
                @Override
                public long pageSize() {
                    return PAGE;
                }

                @Override
                public void installed(long offset, long bytes) {
                    installed.add(new long[] {offset, bytes});
                }

                @Override
                public void present(long offset) {
                    present.add(offset);
                }
            }, 0);
            assertEquals(Errno.NONE, e);
            assertEquals(List.of(0L, 3 * PAGE, 7 * PAGE), present);
            long installedPages = installed.stream().mapToLong(x -> x[1] / PAGE).sum();
            assertEquals(5, installedPages, "the five missing pages");
            MemorySegment view = region.unguardedSegment(io.uffd4j.mm.UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK);
            byte[] expected = new byte[pages];
            byte[] got = new byte[pages];
            for (int p = 0; p < pages; p++) {
                expected[p] = (byte) (p == 0 || p == 3 || p == 7 ? 99 : p + 1);
                got[p] = view.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p * PAGE + 11);
            }
            assertArrayEquals(expected, got, "pages already there were never replaced");
        }
    }
}
