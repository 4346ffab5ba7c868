package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.Checksums;
import io.uffd4j.pager.source.GeneratorSource;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Loud failure instead of wrong bytes: bad pages are poisoned (the access throws InternalError and the
 * failure is reported); a killed or hung pager is restarted from outside this JVM and the run completes
 * with the right content.
 */
class PagerFailureTest {
    static Pager pager;

    @BeforeAll
    static void start() {
        pager = Pager.launch(Pager.Options.defaults().withHangTimeout(Duration.ofMillis(1500)).withMaxRestarts(2));
    }

    @AfterAll
    static void stop() {
        if (pager != null) {
            pager.close();
        }
    }

    /** Reads a word in a new thread; returns what it threw (null if nothing). */
    private static Throwable touch(MemorySegment m, long offset) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                m.get(JAVA_LONG, offset);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(t.isAlive(), "the access to offset " + offset + " still waits after 60 s");
        return thrown.get();
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void pagesThatFailVerificationOrReadingArePoisonedNotServed(Backing backing) throws Exception {
        long size = 1L << 20;
        SourceSpec src = SourceSpec.generator(5, size).with("corruptPages", "3").with("failPages", "7");
        try (LazyRegion r = LazyRegion.builder(size).source(src).backing(backing).pager(pager).open()) {
            MemorySegment m = r.segment();
            Verify.page(m, 5, size, 2);
            Throwable corrupt = touch(m, 3 * PAGE);
            Throwable failed = touch(m, 7 * PAGE + 64);
            assertInstanceOf(InternalError.class, corrupt, "corrupted page 3");
            assertInstanceOf(InternalError.class, failed, "unreadable page 7");
            System.out.println("the application saw: " + corrupt);
            Verify.page(m, 5, size, 4);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (r.failures().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<PageFailure> f = r.failures();
            assertEquals(2, f.size(), f::toString);
            assertTrue(f.stream().anyMatch(x -> x.offset() == 3 * PAGE && x.reason().contains("verification")), f::toString);
            assertTrue(f.stream().anyMatch(x -> x.offset() == 7 * PAGE && x.reason().contains("injected read failure")), f::toString);
            RegionStats s = r.stats();
            // the worker's counters start again after a restart (a heartbeat missed on a loaded machine)
            assertTrue(s.poisonedPages() == 2 || s.pagerRestarts() > 0, s.toString());
        }
    }

    @Test
    void imageFileWithChecksumsIsServedAndVerified(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path image = dir.resolve("image.bin");
        long size = 2L << 20;
        writeGeneratorImage(image, 11, size);
        Checksums.writeChecksumFile(image, PAGE);
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.file(image)).pager(pager).prefetch(Prefetch.SEQUENTIAL).open()) {
            for (long p = 0; p < size / PAGE; p++) {
                Verify.page(r.segment(), 11, size, p);
            }
            assertEquals(0, r.stats().poisonedPages());
        }
        // flip one byte of page 9 on disk: the checksum no longer matches, so page 9 must not be served
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x5a}), 9 * PAGE + 100);
        }
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.file(image)).pager(pager).open()) {
            Verify.page(r.segment(), 11, size, 8);
            assertInstanceOf(InternalError.class, touch(r.segment(), 9 * PAGE));
            Verify.page(r.segment(), 11, size, 10);
        }
    }

    static void writeGeneratorImage(Path image, long seed, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             Arena a = Arena.ofConfined()) {
            MemorySegment chunk = a.allocate(1 << 20, PAGE);
            for (long off = 0; off < size; off += chunk.byteSize()) {
                long n = Math.min(chunk.byteSize(), size - off);
                GeneratorSource.generate(seed, size, PAGE, off, chunk, 0, n);
                ByteBuffer b = chunk.asSlice(0, n).asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void killNineOfThePagerDuringFillStillCompletesCorrectly(Backing backing) throws Exception {
        long seed = 2024;
        long size = 48L << 20;
        long pages = size / PAGE;
        // slow the source a little so that the fill is still running when the worker is killed
        SourceSpec src = SourceSpec.generator(seed, size).with("delayMicros", "150");
        try (LazyRegion r = LazyRegion.builder(size).source(src).backing(backing).prefetch(Prefetch.SEQUENTIAL).pager(pager).open()) {
            MemorySegment m = r.segment();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> readers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
            for (int t = 0; t < 4; t++) {
                long tseed = seed + t;
                readers.add(Thread.ofPlatform().start(() -> {
                    Random rnd = new Random(tseed);
                    try {
                        for (int i = 0; i < 3000; i++) {
                            long p = rnd.nextLong(pages);
                            long o = p * PAGE + 8L * (1 + rnd.nextInt(511)); // word 0 is written below
                            if (m.get(JAVA_LONG, o) != Verify.expected(seed, size, o)) {
                                throw new AssertionError("wrong word at " + o);
                            }
                            reads.incrementAndGet();
                            if ((i & 7) == 0) {
                                m.set(JAVA_LONG, p * PAGE, ~p); // written pages must survive the restarts
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            int kills = 0;
            long killed = -1;
            for (int k = 0; k < 2; k++) {
                // Kill a worker that is serving readers: after some reads since the last kill, by a new worker.
                long readsBefore = reads.get();
                long previous = killed;
                Await.until(() -> reads.get() >= readsBefore + 200 && pager.workerPid() > 0 && pager.workerPid() != previous
                                || !errors.isEmpty() || readers.stream().noneMatch(Thread::isAlive),
                        Duration.ofMinutes(2), () -> "readers made " + (reads.get() - readsBefore) + " reads, worker "
                                + pager.workerPid());
                long worker = pager.workerPid();
                if (worker > 0 && readers.stream().anyMatch(Thread::isAlive)) {
                    killed = worker;
                    new ProcessBuilder("kill", "-9", Long.toString(worker)).start().waitFor();
                    kills++;
                    System.out.println("killed worker " + worker);
                }
            }
            long t0 = System.nanoTime();
            for (Thread t : readers) {
                t.join(TimeUnit.MINUTES.toMillis(3));
                assertFalse(t.isAlive(), "a reader is still waiting 3 minutes after the kills");
            }
            long t1 = System.nanoTime();
            assertTrue(errors.isEmpty(), errors::toString);
            assertTrue(r.awaitFullyResident(Duration.ofSeconds(120)), () -> r.stats().toString());
            System.out.println("readers done " + (t1 - t0) / 1_000_000 + " ms after the kills, fully resident "
                    + (System.nanoTime() - t1) / 1_000_000 + " ms later");
            for (long p = 0; p < pages; p++) {
                long first = m.get(JAVA_LONG, p * PAGE);
                if (first != Verify.expected(seed, size, p * PAGE) && first != ~p) {
                    fail("page " + p + " first word " + Long.toHexString(first));
                }
                for (long o = p * PAGE + 8; o < (p + 1) * PAGE; o += 8) {
                    if (m.get(JAVA_LONG, o) != Verify.expected(seed, size, o)) {
                        fail("wrong word at " + o + " after " + kills + " kills");
                    }
                }
            }
            RegionStats s = r.stats();
            System.out.println("kill -9 x" + kills + " " + backing + ": " + s);
            assertTrue(s.pagerRestarts() >= 1, s.toString());
            assertEquals(0, s.poisonedPages());
            assertTrue(r.failures().isEmpty(), r.failures()::toString);
        }
    }

    @Test
    void aStoppedPagerIsReplacedAndTheReaderContinues() throws Exception {
        long size = 8L << 20;
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(3, size)).pager(pager).open()) {
            Verify.page(r.segment(), 3, size, 0);
            long worker = pager.workerPid();
            new ProcessBuilder("kill", "-STOP", Long.toString(worker)).start().waitFor();
            long t0 = System.nanoTime();
            for (long p = 1; p < size / PAGE; p++) {
                Verify.page(r.segment(), 3, size, p);
            }
            long waited = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("stopped worker " + worker + " replaced; the reader was held " + waited + " ms");
            assertNotEquals(worker, pager.workerPid());
            assertTrue(r.stats().pagerRestarts() >= 1);
        }
    }

    /**
     * Stats asked of a worker that is then replaced: the request is not lost (the supervisor asks the new
     * worker), a call that timed out does not leave later calls waiting on it, and stats of a closed
     * region fail at once. (Before: every later call timed out on the same lost request.)
     */
    @Test
    void statsAnswerAgainAfterTheWorkerIsReplacedAndFailAtOnceAfterClose() throws Exception {
        long size = 1L << 20;
        LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(8, size)).pager(pager).open();
        try {
            Verify.page(r.segment(), 8, size, 0);
            long worker = pager.workerPid();
            new ProcessBuilder("kill", "-STOP", Long.toString(worker)).start().waitFor();
            assertThrows(PagerException.class, () -> r.stats(Duration.ofMillis(200)), "a stopped worker answered");
            RegionStats s = r.stats(Duration.ofSeconds(30)); // the supervisor replaces the worker within its hang timeout
            System.out.println("stats after the worker " + worker + " was replaced: " + s);
            assertTrue(s.pagerRestarts() >= 1, s.toString());
            assertNotEquals(worker, pager.workerPid());
            assertEquals(s.totalPages(), r.stats(Duration.ofSeconds(10)).totalPages());
        } finally {
            r.close();
        }
        long t0 = System.nanoTime();
        assertThrows(io.uffd4j.error.ClosedException.class, r::stats);
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(500), "stats of a closed region did not fail at once");
    }

    @Test
    void aPageThatHangsThePagerEveryTimeFailsLoudlyWithinTheBound() throws Exception {
        long size = 1L << 20;
        try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(4, size).with("hangPage", "5")).pager(pager).open()) {
            Verify.page(r.segment(), 4, size, 4);
            long t0 = System.nanoTime();
            Throwable t = touch(r.segment(), 5 * PAGE);
            long waited = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("hanging page failed after " + waited + " ms with " + t + "; reports: " + r.failures());
            assertInstanceOf(InternalError.class, t);
            assertTrue(r.failures().stream().anyMatch(f -> f.reason().contains("hung")), r.failures()::toString);
        }
    }
}
