package io.uffd4j.selftest;

import io.uffd4j.serve.Resolution;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.ServerStats;
import io.uffd4j.serve.WaitStrategy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernel's uffd-stress, re-expressed: two areas bounce the data between them. In each pass the
 * destination area is empty and served by a FaultServer that COPYs each faulting page from the source
 * area, while background threads COPY the whole area at the same time (racing the handler: EEXIST), and
 * "locking" threads increment a per-page counter kept in the page itself, through GuardedMemory only,
 * verifying it against a shadow array. Access patterns rotate between random, sequential and racing
 * (every thread on the same pages, so several threads fault on one page at once). After each pass the
 * areas swap. Every page's counter and every other byte are verified exactly after each pass, and each
 * page must have been mapped exactly once per pass (handler COPYs plus background COPYs).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BounceStressTest {
    static final long PAGE = PageSizes.base();
    static final int PAGES = 4096;                 // 16 MiB per area
    static final int LOCKERS = 4;
    static final int OPS_PER_LOCKER = 6000;
    static final int BACKGROUND = 2;
    static final int CHUNK = 32;                   // pages a background thread copies between pauses
    static final long COUNTER_TAG = 0x0B0B;

    enum Access { RANDOM, SEQUENTIAL, RACING }

    record Pass(Access access, WaitStrategy waitStrategy) {}

    static final List<Pass> PASSES = List.of(
            new Pass(Access.RANDOM, WaitStrategy.block()),
            new Pass(Access.SEQUENTIAL, WaitStrategy.block()),
            new Pass(Access.RACING, WaitStrategy.block()),
            new Pass(Access.RANDOM, WaitStrategy.spinThenBlock(Duration.ofMillis(1))),
            new Pass(Access.RACING, WaitStrategy.spinThenBlock(Duration.ofMillis(1))),
            new Pass(Access.SEQUENTIAL, WaitStrategy.spinThenBlock(Duration.ofMillis(1))));

    private final long[] shadow = new long[PAGES];
    private final ReentrantLock[] locks = new ReentrantLock[PAGES];

    @Test
    void bounce() throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("BounceStressTest");
        System.out.println("BounceStressTest seed=" + seed + " (rerun with -Duffd4j.seed=" + seed + ")");
        for (int i = 0; i < PAGES; i++) {
            locks[i] = new ReentrantLock();
        }
        try (Mapping a = Mapping.anonymous(PAGES * PAGE);
             Mapping b = Mapping.anonymous(PAGES * PAGE);
             Arena arena = Arena.ofShared()) {
            a.advise(Advice.NOHUGEPAGE);
            b.advise(Advice.NOHUGEPAGE);
            MemorySegment init = a.segment();
            for (int p = 0; p < PAGES; p++) {
                Patterns.fill(init, p * PAGE, PAGE, COUNTER_TAG, p);
                init.set(JAVA_LONG, p * PAGE, 0L);
            }
            MemorySegment check = arena.allocate(PAGES * PAGE, 64);
            Mapping src = a;
            Mapping dst = b;
            long totalOps = 0;
            SplittableRandom seeds = new SplittableRandom(seed);
            for (int pass = 0; pass < PASSES.size(); pass++) {
                Pass mode = PASSES.get(pass);
                dst.advise(Advice.DONTNEED);
                long ops = bouncePass(src, dst, mode, seeds.split(), check, "pass " + pass + " " + mode);
                totalOps += ops;
                Mapping t = src;
                src = dst;
                dst = t;
            }
            // Final check on raw memory (nothing is served any more).
            MemorySegment last = src.segment();
            long sum = 0;
            for (int p = 0; p < PAGES; p++) {
                assertEquals(shadow[p], last.get(JAVA_LONG, p * PAGE), "final counter of page " + p);
                sum += shadow[p];
            }
            assertEquals(totalOps, sum, "every increment is in exactly one page");
            verifyPatterns(last, "final");
        }
    }

    private long bouncePass(Mapping src, Mapping dst, Pass mode, SplittableRandom random, MemorySegment check,
                            String what) throws Exception {
        long srcBase = src.address();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong backgroundCopies = new AtomicLong();
        AtomicLong done = new AtomicLong();
        ServerStats stats;
        try (Userfaultfd uffd = Userfaultfd.open()) {
            try (FaultServer server = FaultServer.builder(uffd).serve(dst, RegisterMode.MISSING)
                    .threads(2)
                    .waitStrategy(mode.waitStrategy())
                    .handler((fault, r) -> Resolution.from(r.copy(fault.pageAddress(), srcBase + fault.pageOffset(), PAGE, Modes.none()), r))
                    .start()) {
                GuardedMemory g = server.guarded(dst);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < LOCKERS; t++) {
                    int id = t;
                    long lockerSeed = random.nextLong();
                    threads.add(Thread.ofPlatform().name("locker-" + t).start(() -> {
                        try {
                            lock(g, mode.access(), id, new SplittableRandom(lockerSeed));
                            done.addAndGet(OPS_PER_LOCKER);
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                for (int t = 0; t < BACKGROUND; t++) {
                    int from = t * PAGES / BACKGROUND;
                    int to = (t + 1) * PAGES / BACKGROUND;
                    threads.add(Thread.ofPlatform().name("background-" + t).start(() -> {
                        try {
                            backgroundCopies.addAndGet(transfer(uffd, srcBase, dst.address(), from, to));
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join(Duration.ofSeconds(60));
                    if (t.isAlive()) {
                        fail(what + ": " + t.getName() + " did not finish");
                    }
                }
                assertNull(failure.get(), () -> what + ": " + failure.get());
                g.read(0, check);
                stats = server.stats();
            }
        }
        for (int p = 0; p < PAGES; p++) {
            assertEquals(shadow[p], check.get(JAVA_LONG, p * PAGE), what + ": counter of page " + p);
        }
        verifyPatterns(check, what);
        assertEquals(0, stats.handlerFailures(), what);
        assertEquals(0, stats.retries(), what);
        long handlerCopies = stats.missingFaults() - stats.races();
        assertEquals(PAGES, handlerCopies + backgroundCopies.get(),
                what + ": each page mapped exactly once (" + stats + ", background " + backgroundCopies + ")");
        System.out.println(what + ": faults=" + stats.missingFaults() + " races=" + stats.races()
                + " background=" + backgroundCopies.get() + " service=" + stats.serviceTime());
        return done.get();
    }

    /** One locking thread: reads an immutable word of a page without the lock (racing faults), then increments its counter under it. */
    private void lock(GuardedMemory g, Access access, int id, SplittableRandom random) {
        int page = switch (access) {
            case RANDOM -> 0;
            case SEQUENTIAL -> id * (PAGES / LOCKERS);
            case RACING -> 0;
        };
        for (int i = 0; i < OPS_PER_LOCKER; i++) {
            page = access == Access.RANDOM ? random.nextInt(PAGES) : (page + 1) % PAGES;
            long word = 1 + random.nextInt((int) (PAGE / 8) - 1);
            long seen = g.getLong(page * PAGE + word * 8);
            if (seen != Patterns.word(COUNTER_TAG, page, word)) {
                throw new AssertionError("page " + page + " word " + word + ": 0x" + Long.toHexString(seen));
            }
            ReentrantLock l = locks[page];
            l.lock();
            try {
                long count = g.getLong(page * PAGE);
                if (count != shadow[page]) {
                    throw new AssertionError("page " + page + " counter " + count + ", expected " + shadow[page]);
                }
                g.setLong(page * PAGE, count + 1);
                shadow[page] = count + 1;
            } finally {
                l.unlock();
            }
        }
    }

    /** A background thread: COPYs pages [from, to) in chunks, racing the handler; returns the pages it mapped. */
    private static long transfer(Userfaultfd uffd, long srcBase, long dstBase, int from, int to) throws InterruptedException {
        Resolver r = uffd.newResolver();
        long mapped = 0;
        for (int p = from; p < to; p++) {
            Errno e = r.copy(dstBase + p * PAGE, srcBase + p * PAGE, PAGE, Modes.none());
            if (e == Errno.NONE) {
                mapped++;
            } else if (e != Errno.EEXIST) {
                throw new AssertionError("background COPY of page " + p + ": " + r.failure().getMessage());
            }
            if ((p - from) % CHUNK == CHUNK - 1) {
                Thread.sleep(1);
            }
        }
        return mapped;
    }

    private static void verifyPatterns(MemorySegment area, String what) {
        for (int p = 0; p < PAGES; p++) {
            for (long w = 1; w < PAGE / 8; w++) {
                long v = area.get(JAVA_LONG, p * PAGE + w * 8);
                if (v != Patterns.word(COUNTER_TAG, p, w)) {
                    fail(what + ": page " + p + " word " + w + " is 0x" + Long.toHexString(v));
                }
            }
        }
    }
}
