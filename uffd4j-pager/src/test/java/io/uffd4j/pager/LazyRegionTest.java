package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.mm.Advice;
import io.uffd4j.pager.source.SourceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static io.uffd4j.pager.Verify.PAGE;
import static org.junit.jupiter.api.Assertions.*;

/** Content, concurrency and event handling of lazy regions, for both backings and every prefetch policy. */
class LazyRegionTest {
    static Pager pager;

    @BeforeAll
    static void startPager() {
        pager = Pager.launch();
    }

    @AfterAll
    static void stopPager() {
        if (pager != null) {
            pager.close();
        }
    }

    private LazyRegion.Builder region(long size, SourceSpec source) {
        return LazyRegion.builder(size).source(source).pager(pager);
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void randomAndSequentialReadsSeeTheSource(Backing backing) {
        long seed = io.uffd4j.testkit.Seeds.seed("LazyRegionTest");
        long size = 8L << 20;
        System.out.println("seed=" + seed + " backing=" + backing + " (rerun with -Duffd4j.seed=" + seed + ")");
        for (Prefetch p : List.of(Prefetch.NONE, Prefetch.SEQUENTIAL, Prefetch.POSTCOPY)) {
            try (LazyRegion r = region(size, SourceSpec.generator(seed, size)).backing(backing).prefetch(p).open()) {
                MemorySegment m = r.segment();
                Random rnd = new Random(seed);
                long pages = size / PAGE;
                for (int i = 0; i < 300; i++) {
                    long page = rnd.nextLong(pages);
                    long o = page * PAGE + 8L * rnd.nextInt(512);
                    assertEquals(Verify.expected(seed, size, o), m.get(JAVA_LONG, o), "seed " + seed + " offset " + o + " " + p);
                }
                for (long page = 0; page < pages; page++) {
                    Verify.page(m, seed, size, page);
                }
                // the COPY that serves the last fault wakes the reader before the pager counts the page
                assertTrue(r.awaitFullyResident(Duration.ofSeconds(10)), () -> r.stats().toString());
                RegionStats s = r.stats();
                assertEquals(pages, s.residentPages(), s.toString());
                assertEquals(0, s.poisonedPages());
                if (p == Prefetch.NONE) {
                    assertEquals(pages, s.demandFaults(), "every page faults once without prefetch: " + s);
                }
                System.out.println(backing + " " + p + ": " + s);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void racingThreadsFaultingTheSamePages(Backing backing) throws Exception {
        long seed = 42;
        long size = 4L << 20;
        int threads = 8;
        try (LazyRegion r = region(size, SourceSpec.generator(seed, size)).backing(backing).open()) {
            MemorySegment m = r.segment();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (long page = 0; page < size / PAGE; page++) {
                            long o = page * PAGE + 8L * ((page + me) % 512);
                            long got = m.get(JAVA_LONG, o);
                            if (got != Verify.expected(seed, size, o)) {
                                throw new AssertionError("thread " + me + " offset " + o);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> errors.toString());
            // the last COPY wakes the reader before the pager counts the page: wait for the count
            assertTrue(r.awaitFullyResident(Duration.ofSeconds(10)), () -> r.stats().toString());
            RegionStats s = r.stats();
            System.out.println("racing " + backing + ": " + s);
        }
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void writesSurviveBackgroundFillAndRemovedPagesAreServedAgain(Backing backing) {
        long seed = 7;
        long size = 16L << 20;
        long pages = size / PAGE;
        try (LazyRegion r = region(size, SourceSpec.generator(seed, size)).backing(backing).prefetch(Prefetch.SEQUENTIAL).open()) {
            MemorySegment m = r.segment();
            // write every 3rd page while the background fill runs: the pager must never replace these pages
            for (long page = 0; page < pages; page += 3) {
                m.set(JAVA_LONG, page * PAGE + 16, ~page);
            }
            assertTrue(r.awaitFullyResident(Duration.ofSeconds(60)), () -> r.stats().toString());
            for (long page = 0; page < pages; page++) {
                long o = page * PAGE + 16;
                long want = page % 3 == 0 ? ~page : Verify.expected(seed, size, o);
                assertEquals(want, m.get(JAVA_LONG, o), "page " + page);
                assertEquals(Verify.expected(seed, size, page * PAGE + 24), m.get(JAVA_LONG, page * PAGE + 24));
            }
            // drop pages 10..20: the next touch serves them from the source again
            Advice drop = backing == Backing.SHARED_MEMFD ? Advice.REMOVE : Advice.DONTNEED;
            r.advise(10 * PAGE, 10 * PAGE, drop);
            for (long page = 10; page < 20; page++) {
                Verify.page(m, seed, size, page);
            }
            RegionStats s = r.stats();
            assertTrue(s.removedPages() >= 10, s.toString());
            assertTrue(s.events() >= 1, s.toString());
            if (backing == Backing.SHARED_MEMFD) {
                // DONTNEED on shared memory keeps the written data in the page cache: a MINOR fault maps it back
                r.advise(30 * PAGE, PAGE, Advice.DONTNEED);
                assertEquals(~30L, m.get(JAVA_LONG, 30 * PAGE + 16));
                assertTrue(r.stats().minorFaults() >= 1);
            }
            System.out.println("remove " + backing + ": " + r.stats());
        }
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void regionLargerThanSourceReadsZerosPastItsEnd(Backing backing) {
        long seed = 99;
        long size = 2L << 20;
        long sourceSize = 300 * PAGE + 100; // ends inside a page
        try (LazyRegion r = region(size, SourceSpec.generator(seed, sourceSize)).backing(backing).open()) {
            MemorySegment m = r.segment();
            for (long page = 0; page < size / PAGE; page++) {
                Verify.page(m, seed, sourceSize, page);
            }
            assertTrue(r.stats().zeroFaults() > 0);
        }
        // and the reverse: a source larger than the region
        try (LazyRegion r = region(64 * PAGE, SourceSpec.generator(seed, 1L << 30)).backing(backing).open()) {
            for (long page = 0; page < 64; page++) {
                Verify.page(r.segment(), seed, 1L << 30, page);
            }
        }
    }

    @Test
    void oddSizedRegionIsExactlyThatBig() {
        try (LazyRegion r = region(12345, SourceSpec.zeros()).open()) {
            assertEquals(12345, r.segment().byteSize());
            assertEquals(0, r.segment().get(JAVA_LONG, 12336));
        }
    }

    @Test
    void closedRegionRevokesItsSegments() {
        LazyRegion r = region(1 << 20, SourceSpec.zeros()).open();
        MemorySegment m = r.segment();
        m.get(JAVA_LONG, 0);
        r.close();
        assertThrows(IllegalStateException.class, () -> m.get(JAVA_LONG, 0));
        assertThrows(io.uffd4j.error.ClosedException.class, r::segment);
    }

    /** A source that is not built in: the worker creates it from its class name and configuration. */
    public static final class StripedSource implements io.uffd4j.pager.source.PageSource {
        private final long value;
        private final long size;
        private final long pageSize;

        public StripedSource(io.uffd4j.pager.source.SourceConfig config) {
            this.value = config.longValue("value", 0);
            this.size = config.regionSize();
            this.pageSize = config.pageSize();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void read(long offset, MemorySegment dst, long dstOffset, long length) {
            for (long o = 0; o < length; o += 8) {
                dst.set(JAVA_LONG, dstOffset + o, value ^ ((offset + o) / pageSize));
            }
        }
    }

    @Test
    void aSourceClassOfTheApplicationIsCreatedInThePager() {
        SourceSpec spec = new SourceSpec(StripedSource.class.getName(), java.util.Map.of("value", "123456789"));
        try (LazyRegion r = region(64 * PAGE, spec).open()) {
            for (long page = 0; page < 64; page++) {
                assertEquals(123456789L ^ page, r.segment().get(JAVA_LONG, page * PAGE + 8 * (page % 512)));
            }
        }
    }

    @Test
    void unknownSourceClassIsRefusedClearly() {
        PagerException e = assertThrows(PagerException.class,
                () -> region(1 << 20, new SourceSpec("com.example.NoSuchSource", java.util.Map.of())).open());
        assertTrue(e.getMessage().contains("com.example.NoSuchSource"), e.getMessage());
    }
}
