package io.uffd4j.selftest;

import io.uffd4j.Feature;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "wp-unpopulated": with WP_UNPOPULATED, write-protecting never-touched anonymous pages
 * leaves a marker, so the first write faults as WRITE_PROTECT (a read maps the zero page without a
 * fault); without the feature the protection of an empty page is a no-op and the write just populates it.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WriteProtectUnpopulatedTest {
    static final long PAGE = PageSizes.base();
    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void writeToProtectedUnpopulatedPageFaults() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Accessor.Group access = new Accessor.Group();
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP, Feature.WP_UNPOPULATED).build();
             EventPump pump = new EventPump(uffd)) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.WP));
            uffd.writeProtect(m.address(), 2 * PAGE).orThrow();
            assertFalse(Probe.present(m.address()));
            assertTrue(Probe.uffdWriteProtected(m.address()), "a marker protects the empty page");
            assertTrue(Probe.uffdWriteProtected(m.address() + PAGE));
            assertFalse(Probe.uffdWriteProtected(m.address() + 2 * PAGE), "only the requested range");

            // A read maps the zero page without a message.
            assertEquals(0L, access.start("read", () -> NativeAccess.readLong(m.address() + PAGE + 64)).await(WAIT));
            pump.assertNoneQueued();

            Accessor<Void> writer = access.run("write", () -> NativeAccess.writeLong(m.address() + 16, 0x1234_5678L));
            UffdEvent e = pump.next(WAIT);
            PageFault f = assertInstanceOf(PageFault.class, e);
            assertEquals(new PageFault(m.address(), FaultKind.WRITE_PROTECT, true, 0, PAGE), f);
            assertFalse(writer.isDone(), "the writer waits until the page is unprotected");

            uffd.unprotect(m.address(), PAGE).orThrow();
            writer.await(WAIT);
            assertEquals(0x1234_5678L, NativeAccess.readLong(m.address() + 16));
            assertTrue(Probe.present(m.address()));
            assertFalse(Probe.uffdWriteProtected(m.address()));

            // A write to an unprotected, unregistered-for-MISSING empty page populates it without a message.
            access.run("write-unprotected", () -> NativeAccess.writeLong(m.address() + 3 * PAGE, 7)).await(WAIT);
            pump.assertNoneQueued();
        }
    }

    @Test
    void withoutTheFeatureProtectingAnEmptyPageDoesNothing() {
        try (Mapping m = Mapping.anonymous(2 * PAGE);
             Accessor.Group access = new Accessor.Group();
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP).build();
             EventPump pump = new EventPump(uffd)) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.WP));
            uffd.writeProtect(m.address(), m.size()).orThrow();
            assertFalse(Probe.uffdWriteProtected(m.address()), "no marker without WP_UNPOPULATED");

            access.run("write", () -> NativeAccess.writeLong(m.address() + 16, 42)).await(WAIT);
            pump.assertNoneQueued();
            assertEquals(42L, NativeAccess.readLong(m.address() + 16));
            assertFalse(Probe.uffdWriteProtected(m.address()));

            // Once populated, protection does apply: the next write faults.
            uffd.writeProtect(m.address(), PAGE).orThrow();
            assertTrue(Probe.uffdWriteProtected(m.address()));
            Accessor<Void> writer = access.run("write-protected", () -> NativeAccess.writeLong(m.address() + 16, 43));
            assertEquals(new PageFault(m.address(), FaultKind.WRITE_PROTECT, true, 0, PAGE), pump.next(WAIT));
            uffd.unprotect(m.address(), PAGE).orThrow();
            writer.await(WAIT);
            assertEquals(43L, NativeAccess.readLong(m.address() + 16));
        }
    }
}
