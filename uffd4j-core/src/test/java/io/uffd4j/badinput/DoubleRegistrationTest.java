package io.uffd4j.badinput;

import io.uffd4j.serve.Resolution;
import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Registration;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.RangeBusyException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.selftest.Probe;
import io.uffd4j.serve.FaultServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static io.uffd4j.badinput.Refusal.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registering a range twice. With the same userfaultfd the kernel accepts it and can add modes, but never
 * removes any (a narrower second registration keeps the wider one in force; unregister to narrow). With a
 * second userfaultfd it is EBUSY, and nothing of the second registration takes effect, not even on the
 * part of the range that was free. (Resolving is another matter: any userfaultfd of the process may
 * resolve pages of a range some userfaultfd registered.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DoubleRegistrationTest {
    static final long PAGE = PageSizes.base();

    @Test
    void sameUserfaultfdAddsModesButNeverRemovesThem() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP).build()) {
            long a = m.address();
            Registration first = uffd.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING));
            Registration again = uffd.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING));
            assertEquals(first.ioctls(), again.ioctls());
            assertEquals(Errno.ENOENT, uffd.writeProtect(a, PAGE, Modes.of(WriteProtectMode.WP)).error(), "not registered WP yet");

            Registration wider = uffd.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
            assertTrue(wider.supports(Ioctl.WRITEPROTECT));
            assertTrue(uffd.writeProtect(a, PAGE, Modes.of(WriteProtectMode.WP)).complete());

            // The kernel skips a registration the range already satisfies: WP stays in force even though
            // the returned ioctl set (computed from the requested modes) does not list WRITEPROTECT.
            Registration narrower = uffd.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING));
            assertFalse(narrower.supports(Ioctl.WRITEPROTECT));
            assertTrue(uffd.writeProtect(a, PAGE, Modes.none()).complete(), "WP is still registered");

            uffd.unregister(a, 4 * PAGE);
            uffd.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING));
            assertEquals(Errno.ENOENT, uffd.writeProtect(a, PAGE, Modes.of(WriteProtectMode.WP)).error(),
                    "unregistering is the way to drop a mode");
        }
    }

    @Test
    void secondUserfaultfdIsBusyAndChangesNothing() {
        try (Mapping m = Mapping.anonymous(8 * PAGE);
             Userfaultfd owner = Userfaultfd.open();
             Userfaultfd other = Userfaultfd.open()) {
            long a = m.address();
            owner.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING));

            RangeBusyException same = assertRefused(RangeBusyException.class, "UFFDIO_REGISTER", a, 4 * PAGE,
                    () -> other.register(a, 4 * PAGE, EnumSet.of(RegisterMode.MISSING)));
            assertTrue(same.getMessage().contains("another userfaultfd"), same.getMessage());
            // Overlapping the owner's range and reaching into free pages: refused as a whole.
            assertRefused(RangeBusyException.class, "UFFDIO_REGISTER", a + 2 * PAGE, 4 * PAGE,
                    () -> other.register(a + 2 * PAGE, 4 * PAGE, EnumSet.of(RegisterMode.MISSING)));

            assertEquals(Errno.ENOENT, other.zeroPage(a + 4 * PAGE, PAGE).error(), "the free part was not registered by the refused call");
            assertFalse(Probe.registered(a + 4 * PAGE, 4 * PAGE));
            assertTrue(Probe.registered(a, 4 * PAGE), "the owner's registration is intact");
            assertTrue(owner.zeroPage(a, PAGE).complete());
            // Registration decides where faults are reported, not who may resolve: the kernel only checks that
            // the range is registered with some userfaultfd of the same process.
            assertTrue(other.zeroPage(a + PAGE, PAGE).complete());
            assertEquals(Errno.EEXIST, owner.zeroPage(a + PAGE, PAGE).error());
            // Unregistering through the other descriptor is refused and leaves the owner's registration alone.
            InvalidRequestException e = assertRefused(InvalidRequestException.class, "UFFDIO_UNREGISTER", a, 4 * PAGE,
                    () -> other.unregister(a, 4 * PAGE));
            assertTrue(e.getMessage().contains("another userfaultfd"), e.getMessage());
            assertTrue(Probe.registered(a, 4 * PAGE));
            assertTrue(owner.zeroPage(a + 2 * PAGE, PAGE).complete());
        }
    }

    @Test
    void faultServerRollsBackWhenOneRangeIsBusy() {
        try (Mapping free = Mapping.anonymous(4 * PAGE);
             Mapping busy = Mapping.anonymous(4 * PAGE);
             Userfaultfd owner = Userfaultfd.open();
             Userfaultfd uffd = Userfaultfd.open()) {
            owner.register(busy.address(), busy.size(), EnumSet.of(RegisterMode.MISSING));
            assertRefused(RangeBusyException.class, "UFFDIO_REGISTER", busy.address(), busy.size(),
                    () -> FaultServer.builder(uffd)
                            .serve(free, RegisterMode.MISSING)
                            .serve(busy, RegisterMode.MISSING)
                            .handler((f, r) -> Resolution.from(r.zeroPage(f.pageAddress(), PAGE, Modes.none()), r))
                            .start());
            assertFalse(Probe.registered(free.address(), free.size()), "the first range was unregistered again");
            assertFalse(free.servedInProcess());
            free.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);
            assertTrue(owner.zeroPage(busy.address(), PAGE).complete(), "the owner still has its range");
        }
    }
}
