package io.uffd4j.selftest;

import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.RegisterMode;
import io.uffd4j.Registration;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "register-ioctls": every combination of register modes on every memory type, with
 * the exact ioctl set UFFDIO_REGISTER returns (uapi: anonymous and shmem ranges offer WAKE, COPY,
 * ZEROPAGE, MOVE and POISON, hugetlb ranges WAKE, COPY and POISON; WRITEPROTECT only with WP and
 * CONTINUE only with MINOR). MINOR on anonymous memory is refused and leaves the range unregistered.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegisterIoctlsTest {
    static final Set<Feature> FEATURES = EnumSet.of(Feature.MISSING_SHMEM, Feature.MISSING_HUGETLBFS,
            Feature.PAGEFAULT_FLAG_WP, Feature.WP_HUGETLBFS_SHMEM, Feature.MINOR_SHMEM, Feature.MINOR_HUGETLBFS);

    static HugeTlbReservation huge;

    @BeforeAll
    static void reserveHugePages() {
        huge = HugeTlbReservation.reserve(2);
    }

    @AfterAll
    static void releaseHugePages() {
        huge.close();
    }

    /** The non-empty subsets of {MISSING, WP, MINOR}. */
    static List<Set<RegisterMode>> modeCombinations() {
        List<Set<RegisterMode>> all = new ArrayList<>();
        for (int bits = 1; bits < 8; bits++) {
            EnumSet<RegisterMode> s = EnumSet.noneOf(RegisterMode.class);
            for (RegisterMode m : RegisterMode.values()) {
                if ((bits & (1 << m.ordinal())) != 0) {
                    s.add(m);
                }
            }
            all.add(s);
        }
        return all;
    }

    static Set<Ioctl> expectedIoctls(MemoryType type, Set<RegisterMode> modes) {
        EnumSet<Ioctl> e = type.hugetlb()
                ? EnumSet.of(Ioctl.WAKE, Ioctl.COPY, Ioctl.POISON)
                : EnumSet.of(Ioctl.WAKE, Ioctl.COPY, Ioctl.ZEROPAGE, Ioctl.MOVE, Ioctl.POISON);
        if (modes.contains(RegisterMode.WP)) {
            e.add(Ioctl.WRITEPROTECT);
        }
        if (modes.contains(RegisterMode.MINOR)) {
            e.add(Ioctl.CONTINUE);
        }
        return e;
    }

    @ParameterizedTest
    @EnumSource(MemoryType.class)
    void everyModeCombination(MemoryType type) {
        if (type.hugetlb()) {
            Assumptions.assumeTrue(huge.unavailable() == null, () -> "hugetlb skipped: " + huge.unavailable());
        }
        try (MemoryType.Mapped m = type.map(1);
             Userfaultfd uffd = Userfaultfd.builder().features(FEATURES).build()) {
            long start = m.mapping().address();
            long len = m.mapping().size();
            assertEquals(type.pageSize(), len);
            assertEquals(EnumSet.of(Ioctl.API, Ioctl.REGISTER, Ioctl.UNREGISTER), uffd.ioctls());
            for (Set<RegisterMode> modes : modeCombinations()) {
                String what = type + " " + modes;
                if (type == MemoryType.ANON && modes.contains(RegisterMode.MINOR)) {
                    InvalidRequestException e = assertThrows(InvalidRequestException.class,
                            () -> uffd.register(start, len, modes), what);
                    assertEquals(Errno.EINVAL, e.errno());
                    assertEquals("UFFDIO_REGISTER", e.operation());
                    assertEquals(start, e.start());
                    assertEquals(len, e.length());
                    assertTrue(e.getMessage().contains("MINOR"), e.getMessage());
                    assertFalse(Probe.registered(start, len), what + ": a refused registration leaves the range unregistered");
                    continue;
                }
                Registration r = uffd.register(start, len, modes);
                assertEquals(expectedIoctls(type, modes), r.ioctls(), what);
                assertEquals(modes, r.modes());
                assertEquals(start, r.start());
                assertEquals(len, r.length());
                assertTrue(Probe.registered(start, len), what);
                uffd.unregister(start, len);
                assertFalse(Probe.registered(start, len), what + " after unregister");
            }
        }
    }

    @Test
    void noModeIsRefusedBeforeTheKernel() {
        try (MemoryType.Mapped m = MemoryType.ANON.map(1); Userfaultfd uffd = Userfaultfd.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> uffd.register(m.mapping().address(), m.mapping().size(), Set.of()));
            assertTrue(e.getMessage().contains("UFFDIO_REGISTER"), e.getMessage());
            assertFalse(Probe.registered(m.mapping().address(), m.mapping().size()));
        }
    }
}
