package io.uffd4j.badinput;

import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.AlreadyMappedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.NotMappedException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.selftest.Probe;
import io.uffd4j.EventBatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

import static io.uffd4j.badinput.Refusal.assertArgumentRefused;
import static io.uffd4j.badinput.Refusal.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Modes and operations a range does not support: each refused with its errno, nothing changed. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnsupportedModeTest {
    static final long PAGE = PageSizes.base();

    @Test
    void writeProtectWithDontWakeIsRefusedBeforeTheKernel() {
        try (Mapping m = Mapping.anonymous(2 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP).build()) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
            uffd.zeroPage(m.address(), PAGE).orThrow();
            RangeArgumentException e = assertArgumentRefused("UFFDIO_WRITEPROTECT", m.address(), PAGE,
                    () -> uffd.writeProtect(m.address(), PAGE, Modes.of(WriteProtectMode.WP, WriteProtectMode.DONTWAKE)));
            assertTrue(e.getMessage().contains("DONTWAKE"), e.getMessage());
            assertFalse(Probe.uffdWriteProtected(m.address()), "the page was not protected");
            // DONTWAKE alone (unprotect without waking) is fine.
            assertTrue(uffd.writeProtect(m.address(), PAGE, Modes.of(WriteProtectMode.DONTWAKE)).complete());
        }
    }

    @Test
    void operationsTheRegistrationDoesNotAllow() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP).build();
             Arena arena = Arena.ofConfined()) {
            long a = m.address();
            uffd.register(a, m.size(), EnumSet.of(RegisterMode.MISSING));
            MemorySegment src = arena.allocate(PAGE, PAGE);
            src.fill((byte) 7);

            Progress wpCopy = uffd.copy(a, src, Modes.of(CopyMode.WP));
            assertEquals(Errno.EINVAL, wpCopy.error(), "COPY with WP needs a range registered WP");
            assertEquals(0, wpCopy.bytesDone());
            assertRefused(InvalidRequestException.class, "UFFDIO_COPY", a, PAGE, wpCopy::orThrow);

            Progress cont = uffd.continueRange(a, PAGE, Modes.none());
            assertEquals(Errno.EINVAL, cont.error(), "CONTINUE on anonymous memory");
            assertRefused(InvalidRequestException.class, "UFFDIO_CONTINUE", a, PAGE, cont::orThrow);
            assertEquals(Errno.EINVAL, uffd.continueRange(a, PAGE, Modes.of(ContinueMode.WP)).error());

            Progress wp = uffd.writeProtect(a, PAGE, Modes.of(WriteProtectMode.WP));
            assertEquals(Errno.ENOENT, wp.error(), "WRITEPROTECT on a range not registered WP");
            NotMappedException nm = assertRefused(NotMappedException.class, "UFFDIO_WRITEPROTECT", a, PAGE, wp::orThrow);
            assertTrue(nm.getMessage().contains("write-protect"), nm.getMessage());
            assertEquals(Errno.ENOENT, uffd.writeProtect(a, PAGE).error(), "the two-argument form reports the same");

            assertEquals(0, Probe.presentBytes(a, m.end()), "no refused call mapped a page");

            uffd.copy(a, src).orThrow();
            Progress poison = uffd.poison(a, PAGE, Modes.none());
            assertEquals(Errno.EEXIST, poison.error(), "POISON on a populated page");
            assertRefused(AlreadyMappedException.class, "UFFDIO_POISON", a, PAGE, poison::orThrow);
            assertEquals(7, io.uffd4j.selftest.NativeAccess.readByte(a + 100), "the page kept its contents");
        }
    }

    @Test
    void minorOnAnonymousAndMoveOnShmem() {
        try (Mapping anon = Mapping.anonymous(2 * PAGE);
             Memfd fd = Memfd.create("selftest-unsupported", 2 * PAGE);
             Mapping shared = fd.map();
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.MOVE, Feature.MINOR_SHMEM).build()) {
            assertRefused(InvalidRequestException.class, "UFFDIO_REGISTER", anon.address(), anon.size(),
                    () -> uffd.register(anon.address(), anon.size(), EnumSet.of(RegisterMode.MINOR)));
            assertFalse(Probe.registered(anon.address(), anon.size()));

            uffd.register(shared.address(), shared.size(), EnumSet.of(RegisterMode.MISSING));
            anon.segment().fill((byte) 1);
            Progress move = uffd.move(shared.address(), anon.address(), PAGE, Modes.<MoveMode>none());
            assertEquals(Errno.EINVAL, move.error(), "MOVE needs private anonymous memory on both sides");
            assertRefused(InvalidRequestException.class, "UFFDIO_MOVE", shared.address(), PAGE, move::orThrow);
            assertTrue(Probe.present(anon.address()), "the source page stayed");
            assertFalse(Probe.present(shared.address()));
        }
    }

    @Test
    void operationsBeforeTheHandshake() {
        try (Mapping m = Mapping.anonymous(2 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().buildWithoutHandshake();
             EventBatch batch = new EventBatch(1);
             Arena arena = Arena.ofConfined()) {
            InvalidRequestException reg = assertThrows(InvalidRequestException.class,
                    () -> uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING)));
            assertTrue(reg.getMessage().contains("UFFDIO_API has not been called"), reg.getMessage());
            assertThrows(InvalidRequestException.class, () -> uffd.read(batch));
            assertThrows(InvalidRequestException.class, uffd::features);
            // Resolving ioctls go to the kernel, which refuses an uninitialised descriptor with EINVAL.
            assertEquals(Errno.EINVAL, uffd.copy(m.address(), arena.allocate(PAGE, PAGE)).error());
            assertFalse(Probe.present(m.address()));
            uffd.handshake(Set.of());
            assertTrue(uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING)).modes().contains(RegisterMode.MISSING));
        }
    }
}
