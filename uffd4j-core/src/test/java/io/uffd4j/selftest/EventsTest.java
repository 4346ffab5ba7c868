package io.uffd4j.selftest;

import io.uffd4j.Feature;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.RemapEvent;
import io.uffd4j.event.RemoveEvent;
import io.uffd4j.event.UnmapEvent;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "events" (non-cooperative mode), one event at a time: FORK hands over a descriptor for
 * the child's copy of the registered ranges, through which the parent serves the child's faults; REMAP
 * reports an mremap with exact addresses; REMOVE reports MADV_DONTNEED and the pages fault again;
 * UNMAP reports munmap. Each of these calls waits in the kernel until its event is read, so an
 * {@link EventPump} reads them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventsTest {
    static final long PAGE = PageSizes.base();
    static final Duration WAIT = Duration.ofSeconds(10);

    /** A page whose first {@code length} bytes are 'A'..'Z' repeating, then zeros. */
    static MemorySegment stringPage(Arena arena, int length) {
        MemorySegment s = arena.allocate(PAGE, PAGE);
        for (int i = 0; i < length; i++) {
            s.set(JAVA_BYTE, i, (byte) ('A' + i % 26));
        }
        return s;
    }

    /**
     * The child is a fork that runs only libc's strlen on the registered page (see {@link ForkedChild}):
     * it faults on the child's copy of the range, the parent serves that fault through the FORK event's
     * descriptor, and the child's exit status is the length of the string it read.
     */
    @Test
    void forkHandsOverTheChildsRanges() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.EVENT_FORK).build();
             EventPump parentEvents = new EventPump(uffd);
             Arena arena = Arena.ofConfined()) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            try (ForkedChild child = ForkedChild.start("strlen", m.address() + PAGE)) {
                ForkEvent fork = assertInstanceOf(ForkEvent.class, parentEvents.next(WAIT));
                try (Userfaultfd childUffd = uffd.adoptFork(fork); EventPump childEvents = new EventPump(childUffd)) {
                    assertTrue(childUffd.isOpen());
                    assertNotEquals(uffd.fd(), childUffd.fd());
                    assertEquals(EnumSet.of(Feature.EVENT_FORK), childUffd.features());

                    PageFault f = assertInstanceOf(PageFault.class, childEvents.next(WAIT));
                    assertEquals(new PageFault(m.address() + PAGE, FaultKind.MISSING, false, 0, PAGE), f);
                    Progress p = childUffd.copy(f.address(), stringPage(arena, 77));
                    assertTrue(p.complete(), p.toString());

                    assertEquals(77, child.awaitExit(WAIT), "the child read the page the parent served");
                    childEvents.assertNoneQueued();
                    // The child's memory is gone: its descriptor now reports ESRCH.
                    assertEquals(Errno.ESRCH, childUffd.zeroPage(m.address(), PAGE).error());
                }
            }
            parentEvents.assertNoneQueued();
            assertFalse(Probe.present(m.address() + PAGE), "the parent's page was never populated");
            assertTrue(Probe.registered(m.address(), m.size()), "the parent's registration is untouched");
        }
    }

    @Test
    void withoutEventForkTheChildLosesTheRegistration() {
        try (Mapping m = Mapping.anonymous(2 * PAGE);
             Userfaultfd uffd = Userfaultfd.open();
             EventPump events = new EventPump(uffd);
             ForkedChild child = startAfterRegistering(uffd, m)) {
            assertEquals(0, child.awaitExit(WAIT), "the child read a zero page: its range was not registered");
            events.assertNoneQueued();
        }
    }

    private static ForkedChild startAfterRegistering(Userfaultfd uffd, Mapping m) {
        uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
        return ForkedChild.start("strlen", m.address());
    }

    @Test
    void remapReportsBothAddressesAndTheRegistrationFollows() {
        try (Mapping reservation = Mapping.reserve(8 * PAGE, PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.EVENT_REMAP).build();
             EventPump events = new EventPump(uffd)) {
            Mapping m = Mapping.anonymous(8 * PAGE);
            long from = m.address();
            uffd.register(from, m.size(), EnumSet.of(RegisterMode.MISSING));
            try (Mapping moved = m.moveTo(reservation)) {
                assertEquals(new RemapEvent(from, reservation.address(), 8 * PAGE), events.next(WAIT));
                assertEquals(reservation.address(), moved.address());
                assertTrue(uffd.zeroPage(moved.address() + PAGE, PAGE).complete(), "the new range is registered");
                assertEquals(Errno.ENOENT, uffd.zeroPage(from, PAGE).error(), "the old range is gone");
                events.assertNoneQueued();
            }
        }
    }

    @Test
    void removeReportsTheRangeAndThePagesFaultAgain() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Accessor.Group access = new Accessor.Group();
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.EVENT_REMOVE).build();
             EventPump events = new EventPump(uffd);
             Arena arena = Arena.ofConfined()) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            MemorySegment first = stringPage(arena, 11);
            for (int p = 0; p < 4; p++) {
                uffd.copy(m.address() + p * PAGE, first).orThrow();
            }
            m.advise(PAGE, 2 * PAGE, Advice.DONTNEED);
            assertEquals(new RemoveEvent(m.address() + PAGE, m.address() + 3 * PAGE), events.next(WAIT));
            assertFalse(Probe.present(m.address() + PAGE));
            assertFalse(Probe.present(m.address() + 2 * PAGE));

            // Untouched pages keep their contents without a fault; removed ones fault as missing again.
            assertEquals((byte) 'A', access.start("read-kept", () -> NativeAccess.readByte(m.address())).await(WAIT));
            events.assertNoneQueued();
            Accessor<byte[]> reader = access.start("read-removed", () -> NativeAccess.read(m.address() + 2 * PAGE, 32));
            assertEquals(new PageFault(m.address() + 2 * PAGE, FaultKind.MISSING, false, 0, PAGE), events.next(WAIT));
            MemorySegment second = stringPage(arena, 5);
            uffd.copy(m.address() + 2 * PAGE, second).orThrow();
            byte[] got = reader.await(WAIT);
            assertEquals("ABCDE", new String(Arrays.copyOf(got, 5)));
            assertEquals(0, got[5]);
        }
    }

    @Test
    void unmapReportsTheRange() {
        try (Userfaultfd uffd = Userfaultfd.builder().features(Feature.EVENT_UNMAP).build();
             EventPump events = new EventPump(uffd)) {
            Mapping m = Mapping.anonymous(4 * PAGE);
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            long start = m.address();
            m.close();
            assertEquals(new UnmapEvent(start, start + 4 * PAGE), events.next(WAIT));
            events.assertNoneQueued();
        }
    }
}
