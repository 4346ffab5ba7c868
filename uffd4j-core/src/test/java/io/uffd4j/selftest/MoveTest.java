package io.uffd4j.selftest;

import io.uffd4j.serve.Resolution;
import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.AlreadyMappedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.NotMappedException;
import io.uffd4j.error.RangeBusyException;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.ServerStats;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftests "move", "move-pmd" and "move-pmd-split", plus the per-page errors of UFFDIO_MOVE:
 * EEXIST on a populated destination, ENOENT on a source hole (or holes counted as moved with
 * ALLOW_SRC_HOLES), EBUSY on a source page shared with another process.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MoveTest {
    static final long PAGE = PageSizes.base();
    static final long HUGE = 2L << 20;

    private static Userfaultfd moveUffd() {
        return Userfaultfd.builder().features(Feature.MOVE).build();
    }

    private static void fillPattern(Mapping m, long tag) {
        MemorySegment s = m.segment();
        for (long p = 0; p < m.size() / PAGE; p++) {
            Patterns.fill(s, p * PAGE, PAGE, tag, p);
        }
    }

    private static void assertPage(long address, long tag, long page, String what) {
        assertArrayEquals(Patterns.page(PAGE, tag, page), NativeAccess.read(address, (int) PAGE), what);
    }

    @Test
    void moveServesFaultsAndLeavesSourceHoles() {
        int pages = 256;
        try (Mapping src = Mapping.anonymous(pages * PAGE);
             Mapping dst = Mapping.anonymous(pages * PAGE);
             Userfaultfd uffd = moveUffd()) {
            src.advise(Advice.DONTFORK);
            src.advise(Advice.NOHUGEPAGE);
            dst.advise(Advice.NOHUGEPAGE);
            fillPattern(src, 1);
            long srcBase = src.address();
            ServerStats stats;
            try (FaultServer server = FaultServer.builder(uffd).serve(dst, RegisterMode.MISSING)
                    .handler((fault, r) -> Resolution.from(r.move(fault.pageAddress(), srcBase + fault.pageOffset(), PAGE, Modes.none()), r))
                    .start();
                 Arena arena = Arena.ofConfined()) {
                GuardedMemory g = server.guarded(dst);
                MemorySegment buf = arena.allocate(PAGE);
                for (int p = 0; p < pages; p++) {
                    assertTrue(Probe.present(srcBase + p * PAGE), "source page " + p + " before its fault");
                    g.read(p * PAGE, buf);
                    assertArrayEquals(Patterns.page(PAGE, 1, p), buf.toArray(JAVA_BYTE), "destination page " + p);
                    assertFalse(Probe.present(srcBase + p * PAGE), "source page " + p + " after the move");
                }
                stats = server.stats();
            }
            assertEquals(pages, stats.missingFaults());
            assertEquals(0, stats.races() + stats.retries() + stats.handlerFailures());
            assertEquals(0, Probe.presentBytes(src.address(), src.end()), "every source page became a hole");
            assertEquals(pages * PAGE, Probe.presentBytes(dst.address(), dst.end()));
        }
    }

    @Test
    void populatedDestinationGivesEexist() {
        try (Mapping src = Mapping.anonymous(4 * PAGE);
             Mapping dst = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = moveUffd()) {
            src.advise(Advice.NOHUGEPAGE);
            fillPattern(src, 2);
            uffd.register(dst.address(), dst.size(), EnumSet.of(RegisterMode.MISSING));
            uffd.zeroPage(dst.address() + PAGE, PAGE).orThrow();

            Progress p = uffd.move(dst.address() + PAGE, src.address() + PAGE, PAGE, Modes.none());
            assertEquals(Errno.EEXIST, p.error());
            assertEquals(0, p.bytesDone());
            AlreadyMappedException e = assertThrows(AlreadyMappedException.class, p::orThrow);
            assertEquals("UFFDIO_MOVE", e.operation());
            assertPage(src.address() + PAGE, 2, 1, "the source page stays where it was");
            assertArrayEquals(new byte[(int) PAGE], NativeAccess.read(dst.address() + PAGE, (int) PAGE));

            // Two pages where only the second destination is populated: the first moves, then EEXIST stops it.
            Progress partial = uffd.move(dst.address(), src.address(), 2 * PAGE, Modes.none());
            assertEquals(Errno.EAGAIN, partial.error());
            assertEquals(PAGE, partial.bytesDone());
            assertTrue(partial.partial());
            assertPage(dst.address(), 2, 0, "the first page moved");
            assertFalse(Probe.present(src.address()));
            assertPage(src.address() + PAGE, 2, 1, "the second page did not move");
        }
    }

    @Test
    void sourceHolesGiveEnoentUnlessAllowed() {
        try (Mapping src = Mapping.anonymous(4 * PAGE);
             Mapping dst = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = moveUffd()) {
            src.advise(Advice.NOHUGEPAGE);
            MemorySegment s = src.segment();
            Patterns.fill(s, 0, PAGE, 3, 0);
            Patterns.fill(s, 2 * PAGE, PAGE, 3, 2);
            assertFalse(Probe.present(src.address() + PAGE));
            uffd.register(dst.address(), dst.size(), EnumSet.of(RegisterMode.MISSING));

            Progress hole = uffd.move(dst.address() + PAGE, src.address() + PAGE, PAGE, Modes.none());
            assertEquals(Errno.ENOENT, hole.error());
            assertEquals(0, hole.bytesDone());
            NotMappedException e = assertThrows(NotMappedException.class, hole::orThrow);
            assertTrue(e.getMessage().contains("ALLOW_SRC_HOLES"), e.getMessage());

            Progress stopped = uffd.move(dst.address(), src.address(), 4 * PAGE, Modes.none());
            assertEquals(Errno.EAGAIN, stopped.error(), "page 0 moves, the hole at page 1 stops the rest");
            assertEquals(PAGE, stopped.bytesDone());
            assertPage(dst.address(), 3, 0, "page 0");

            Progress rest = uffd.move(dst.address() + PAGE, src.address() + PAGE, 3 * PAGE,
                    Modes.of(MoveMode.ALLOW_SRC_HOLES));
            assertTrue(rest.complete(), rest.toString());
            assertEquals(3 * PAGE, rest.bytesDone(), "holes count as moved");
            assertPage(dst.address() + 2 * PAGE, 3, 2, "page 2");
            assertFalse(Probe.present(dst.address() + PAGE), "a moved hole stays a hole");
            assertFalse(Probe.present(dst.address() + 3 * PAGE), "a moved hole stays a hole");
            assertEquals(0, Probe.presentBytes(src.address(), src.end()));
        }
    }

    /**
     * EBUSY needs a source page that is not exclusive to this process. A JVM cannot fork() normally, and
     * KSM needs a daemon pass; the forked child here runs only libc's sleep() (see {@link ForkedChild}), so
     * the page is shared copy-on-write with it until it is killed.
     */
    @Test
    void sourcePageSharedWithAnotherProcessGivesEbusy() {
        try (Mapping src = Mapping.anonymous(2 * PAGE);
             Mapping dst = Mapping.anonymous(2 * PAGE);
             Userfaultfd uffd = moveUffd()) {
            src.advise(Advice.NOHUGEPAGE);
            fillPattern(src, 4);
            uffd.register(dst.address(), dst.size(), EnumSet.of(RegisterMode.MISSING));
            // The child sleeps (at most 60 s should this JVM die first) holding its copy of the page; killed below.
            try (ForkedChild child = ForkedChild.start("sleep", 60)) {
                Progress p = uffd.move(dst.address(), src.address(), PAGE, Modes.none());
                assertEquals(Errno.EBUSY, p.error());
                assertEquals(0, p.bytesDone());
                RangeBusyException e = assertThrows(RangeBusyException.class, p::orThrow);
                assertTrue(e.getMessage().contains("not exclusive"), e.getMessage());
                assertPage(src.address(), 4, 0, "the shared source page stays");
                assertFalse(Probe.present(dst.address()));
            }
            // The child is gone, but the page stays marked shared until a write makes it exclusive again.
            assertEquals(Errno.EBUSY, uffd.move(dst.address(), src.address(), PAGE, Modes.none()).error());
            Patterns.fill(src.segment(), 0, PAGE, 5, 0);
            assertTrue(uffd.move(dst.address(), src.address(), PAGE, Modes.none()).complete());
            assertPage(dst.address(), 5, 0, "moved after the sharer left");
        }
    }

    private static Mapping hugeSource(int hugePages, long tag) {
        Assumptions.assumeTrue(PageSizes.transparentHugePageSize().orElse(0) == HUGE, "no 2 MiB THP");
        Assumptions.assumeFalse(PageSizes.transparentHugePageMode().equals("never"), "THP disabled");
        Mapping src = Mapping.anonymous(hugePages * HUGE, HUGE);
        src.advise(Advice.HUGEPAGE);
        src.advise(Advice.DONTFORK);
        fillPattern(src, tag);
        long huge = Probe.hugeMappedBytes(src.address(), src.end());
        if (huge != src.size()) {
            src.close();
            Assumptions.abort("the kernel gave " + huge + " of " + hugePages * HUGE + " bytes as huge pages (memory fragmented?)");
        }
        // Keep khugepaged from collapsing a split source back (it would fill the moved-out holes with zeros).
        src.advise(Advice.NOHUGEPAGE);
        return src;
    }

    /** Faults on a destination served by moving whole 2 MiB chunks; returns the server's stats. */
    private static ServerStats serveByChunks(Userfaultfd uffd, Mapping src, Mapping dst, long tag) {
        long srcBase = src.address();
        long dstBase = dst.address();
        try (FaultServer server = FaultServer.builder(uffd).serve(dst, RegisterMode.MISSING)
                .handler((fault, r) -> {
                    long chunk = fault.address() & -HUGE;
                    return Resolution.from(r.move(chunk, srcBase + (chunk - dstBase), HUGE, Modes.none()), r);
                })
                .start();
             Arena arena = Arena.ofConfined()) {
            GuardedMemory g = server.guarded(dst);
            MemorySegment all = arena.allocate(dst.size(), 64);
            for (long off = 0; off < dst.size(); off += PAGE) {
                g.getLong(off);
            }
            g.read(0, all);
            for (long p = 0; p < dst.size() / PAGE; p++) {
                assertArrayEquals(Patterns.page(PAGE, tag, p), all.asSlice(p * PAGE, PAGE).toArray(JAVA_BYTE), "page " + p);
            }
            return server.stats();
        }
    }

    @Test
    void movePmdKeepsHugePagesHuge() {
        int hugePages = 4;
        try (Mapping src = hugeSource(hugePages, 6);
             Mapping dst = Mapping.anonymous(hugePages * HUGE, HUGE);
             Userfaultfd uffd = moveUffd()) {
            dst.advise(Advice.HUGEPAGE);
            ServerStats stats = serveByChunks(uffd, src, dst, 6);
            assertEquals(hugePages, stats.missingFaults(), "one fault per 2 MiB chunk");
            assertEquals(0, stats.handlerFailures());
            assertEquals(dst.size(), Probe.hugeMappedBytes(dst.address(), dst.end()), "whole PMDs moved: still huge");
            assertEquals(0, Probe.presentBytes(src.address(), src.end()));
        }
    }

    @Test
    void movePmdSplitWhenTheDestinationIsNotHuge() {
        int hugePages = 2;
        try (Mapping src = hugeSource(hugePages, 7);
             Mapping dst = Mapping.anonymous(hugePages * HUGE, HUGE);
             Userfaultfd uffd = moveUffd()) {
            dst.advise(Advice.NOHUGEPAGE);
            ServerStats stats = serveByChunks(uffd, src, dst, 7);
            assertEquals(hugePages, stats.missingFaults(), "one fault per 2 MiB chunk");
            assertEquals(0, Probe.hugeMappedBytes(dst.address(), dst.end()), "the source huge pages were split");
            assertEquals(dst.size(), Probe.presentBytes(dst.address(), dst.end()));
            assertEquals(0, Probe.presentBytes(src.address(), src.end()));
        }
    }

    @Test
    void movingPartOfAHugePageSplitsIt() {
        try (Mapping src = hugeSource(1, 8);
             Mapping dst = Mapping.anonymous(HUGE, HUGE);
             Userfaultfd uffd = moveUffd()) {
            uffd.register(dst.address(), dst.size(), EnumSet.of(RegisterMode.MISSING));
            // 16 pages from the middle of the huge page, to a destination offset that differs from the source's.
            long from = 100 * PAGE;
            long to = 3 * PAGE;
            Progress p = uffd.move(dst.address() + to, src.address() + from, 16 * PAGE, Modes.none());
            assertTrue(p.complete(), p.toString());
            assertEquals(16 * PAGE, p.bytesDone());
            assertEquals(0, Probe.hugeMappedBytes(src.address(), src.end()), "the source huge page was split");
            assertEquals(HUGE - 16 * PAGE, Probe.presentBytes(src.address(), src.end()));
            assertEquals(16 * PAGE, Probe.presentBytes(dst.address(), dst.end()));
            for (int i = 0; i < 16; i++) {
                assertPage(dst.address() + to + i * PAGE, 8, 100 + i, "moved page " + i);
                assertFalse(Probe.present(src.address() + from + i * PAGE));
            }
            MemorySegment rest = src.segment();
            for (long pg = 0; pg < HUGE / PAGE; pg++) {
                if (pg < 100 || pg >= 116) {
                    assertArrayEquals(Patterns.page(PAGE, 8, pg), rest.asSlice(pg * PAGE, PAGE).toArray(JAVA_BYTE),
                            "source page " + pg + " left behind");
                }
            }
        }
    }
}
