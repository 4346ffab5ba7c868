package io.uffd4j.selftest;

import io.uffd4j.serve.Resolution;
import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.Modes;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.AlreadyMappedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.PageUnavailableException;
import io.uffd4j.internal.ChildJvm;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "poison": UFFDIO_POISON marks pages so that accessing them fails instead of faulting
 * to the handler. In-process, a CHECKED guarded access reports it as {@link PageUnavailableException};
 * a raw MemorySegment read (in a child JVM, {@link PoisonedRawReadChild}) gets SIGBUS, which HotSpot turns
 * into an InternalError in the reading thread instead of crashing.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PoisonTest {
    static final long PAGE = PageSizes.base();

    @Test
    void guardedAccessToAPoisonedPageFails() {
        try (Mapping m = Mapping.anonymous(8 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).build()) {
            try (FaultServer server = FaultServer.builder(uffd).serve(m, RegisterMode.MISSING)
                    .handler((fault, r) -> Resolution.from(r.zeroPage(fault.pageAddress(), PAGE, Modes.none()), r))
                    .start()) {
                assertTrue(server.registration(m).supports(Ioctl.POISON));
                GuardedMemory g = server.guarded(m);
                Progress p = uffd.poison(m.address() + 2 * PAGE, 2 * PAGE, Modes.none());
                assertTrue(p.complete(), p.toString());
                assertEquals(2 * PAGE, p.bytesDone());

                PageUnavailableException e = assertThrows(PageUnavailableException.class, () -> g.getLong(2 * PAGE + 8));
                assertEquals(Errno.EFAULT, e.errno());
                assertEquals(m.address() + 2 * PAGE + 8, e.start());
                assertTrue(e.getMessage().contains("offset " + (2 * PAGE + 8)), e.getMessage());
                // A bulk read that reaches a poisoned page fails there, after the bytes before it.
                PageUnavailableException bulk = assertThrows(PageUnavailableException.class,
                        () -> g.read(PAGE, MemorySegment.ofArray(new byte[(int) (2 * PAGE)])));
                assertEquals(PAGE, bulk.bytesDone());
                assertThrows(PageUnavailableException.class, () -> g.setLong(3 * PAGE, 1));

                assertEquals(0L, g.getLong(0), "an unpoisoned page is served normally");
                assertEquals(2, server.stats().missingFaults(), "pages 0 and 1 faulted; poisoned pages never reach the handler");

                Progress again = uffd.poison(m.address() + 2 * PAGE, PAGE, Modes.none());
                assertEquals(Errno.EEXIST, again.error());
                assertThrows(AlreadyMappedException.class, again::orThrow);
                assertEquals(Errno.EEXIST, uffd.poison(m.address(), PAGE, Modes.none()).error(), "page 0 is populated");

                // Discarding clears the poison: the page faults and is served again.
                g.discard(2 * PAGE, PAGE);
                assertEquals(0L, g.getLong(2 * PAGE + 8));
                assertThrows(PageUnavailableException.class, () -> g.getLong(3 * PAGE));
                assertEquals(3, server.stats().missingFaults());
                assertEquals(0, server.stats().handlerFailures());
            }
        }
    }

    @Test
    void rawReadOfAPoisonedPageIsAnInternalErrorInAChildJvm() throws Exception {
        ChildRun.Result r = ChildRun.run(ChildJvm::command, null, List.of("-Xmx64m"), PoisonedRawReadChild.class, List.of(),
                Duration.ofSeconds(60));
        System.out.println(r.output());
        assertFalse(r.timedOut(), r::describe);
        assertNull(r.hsErr(), r::describe);
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("OK read: java.lang.InternalError: a fault occurred in an unsafe memory access operation"),
                r::describe);
        assertTrue(r.output().contains("OK write: java.lang.InternalError"), r::describe);
        assertTrue(r.output().contains("OK neighbour=0"), r::describe);
    }

    /** Child JVM: poisons a page of a registered range and reads it with plain MemorySegment access. */
    public static final class PoisonedRawReadChild {
        public static void main(String[] args) {
            try (Mapping m = Mapping.anonymous(4 * PAGE);
                 Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).build()) {
                uffd.register(m.address(), m.size(), java.util.EnumSet.of(RegisterMode.MISSING));
                uffd.zeroPage(m.address(), PAGE).orThrow();
                uffd.poison(m.address() + PAGE, PAGE, Modes.none()).orThrow();
                MemorySegment s = m.segment();
                try {
                    long v = s.get(JAVA_LONG, PAGE + 16);
                    System.out.println("FAIL read returned " + v);
                } catch (InternalError e) {
                    System.out.println("OK read: " + e);
                }
                try {
                    s.set(JAVA_LONG, PAGE + 24, 5L);
                    System.out.println("FAIL write returned");
                } catch (InternalError e) {
                    System.out.println("OK write: " + e);
                }
                System.out.println("OK neighbour=" + s.get(JAVA_LONG, 8));
            }
            System.out.flush();
        }
    }
}
