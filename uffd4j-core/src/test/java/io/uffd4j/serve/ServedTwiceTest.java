package io.uffd4j.serve;

import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.selftest.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page that was never produced must never read as zero. Serving a mapping from two fault servers (on
 * the same userfaultfd, where the kernel accepts the second registration) would let whichever closes
 * first unregister the range under the other, whose guarded reads would then see zero pages: the second
 * serving is refused and changes nothing. Closing the userfaultfd under a running server is the same
 * hazard: the kernel drops the registration, so guarded access fails instead of reading zeros.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServedTwiceTest {
    static final long PAGE = PageSizes.base();

    /** Serves page i as bytes i + 1 (never zero). */
    private static FaultServer start(Userfaultfd uffd, Mapping m, MemorySegment staging) {
        return FaultServer.builder(uffd).serve(m, RegisterMode.MISSING)
                .handler((fault, r) -> {
                    staging.fill((byte) (fault.pageOffset() / PAGE + 1));
                    return Resolution.from(r.copy(fault.pageAddress(), staging.address(), PAGE, Modes.none()), r);
                })
                .start();
    }

    @Test
    void secondServerOfTheSameMappingIsRefusedAndTheFirstKeepsServing() {
        try (Userfaultfd uffd = Userfaultfd.open(); Mapping m = Mapping.anonymous(8 * PAGE); Arena arena = Arena.ofShared()) {
            MemorySegment staging = arena.allocate(PAGE, PAGE);
            try (FaultServer first = start(uffd, m, staging)) {
                GuardedMemory g = first.guarded(m);
                assertEquals(1, g.getByte(0));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(uffd, m, staging).close());
                assertTrue(e.getMessage().contains("already served"), e.getMessage());
                assertTrue(Probe.registered(m.address(), m.size()), "the refused start left the registration alone");
                for (int page = 1; page < 8; page++) {
                    assertEquals(page + 1, g.getByte(page * PAGE + 3), "page " + page + " was never served: never zero");
                }
            }
            assertFalse(m.servedInProcess());
        }
    }

    @Test
    void refusedSecondServerClosedFirstOrLastLeavesNoZeros() {
        try (Userfaultfd uffd = Userfaultfd.open(); Mapping m = Mapping.anonymous(8 * PAGE); Arena arena = Arena.ofShared()) {
            MemorySegment staging = arena.allocate(PAGE, PAGE);
            FaultServer first = start(uffd, m, staging);
            assertThrows(IllegalStateException.class, () -> start(uffd, m, staging));
            assertEquals(3, first.guarded(m).getByte(2 * PAGE));
            first.close();
            assertFalse(m.servedInProcess(), "the refused server did not count as a second user");
            // Once the first is closed the mapping may be served again, and pages it never served are produced.
            try (FaultServer again = start(uffd, m, staging)) {
                m.advise(io.uffd4j.mm.Advice.DONTNEED);
                assertEquals(5, again.guarded(m).getByte(4 * PAGE));
            }
        }
    }

    @Test
    void sameMappingTwiceInOneServerIsRefusedBeforeAnySyscall() {
        try (Userfaultfd uffd = Userfaultfd.open(); Mapping m = Mapping.anonymous(4 * PAGE)) {
            FaultServer.Builder b = FaultServer.builder(uffd).serve(m, RegisterMode.MISSING);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.serve(m, RegisterMode.MISSING));
            assertTrue(e.getMessage().contains(m.toString()), e.getMessage());
            assertFalse(Probe.registered(m.address(), m.size()));
        }
    }

    @Test
    void guardedAccessFailsOnceTheUserfaultfdIsClosedUnderTheServer() {
        try (Mapping m = Mapping.anonymous(8 * PAGE); Arena arena = Arena.ofShared()) {
            MemorySegment staging = arena.allocate(PAGE, PAGE);
            Userfaultfd uffd = Userfaultfd.open();
            try (FaultServer server = start(uffd, m, staging)) {
                GuardedMemory g = server.guarded(m);
                assertEquals(1, g.getByte(0));
                uffd.close();   // the wrong order: the kernel unregisters the range under the server
                ClosedException e = assertThrows(ClosedException.class, () -> g.getByte(5 * PAGE));
                assertTrue(e.getMessage().contains("userfaultfd"), e.getMessage());
            }
        }
    }
}
