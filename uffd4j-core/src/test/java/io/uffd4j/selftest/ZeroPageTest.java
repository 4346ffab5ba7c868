package io.uffd4j.selftest;

import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Registration;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.AlreadyMappedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "zeropage": UFFDIO_ZEROPAGE maps a page of zeros where the range offers it; a second
 * one on the same page fails with EEXIST and changes nothing; hugetlb ranges do not offer it and the
 * kernel refuses it with EINVAL.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ZeroPageTest {
    static HugeTlbReservation huge;

    @BeforeAll
    static void reserveHugePages() {
        huge = HugeTlbReservation.reserve(2);
    }

    @AfterAll
    static void releaseHugePages() {
        huge.close();
    }

    @ParameterizedTest
    @EnumSource(MemoryType.class)
    void zeroPage(MemoryType type) {
        if (type.hugetlb()) {
            Assumptions.assumeTrue(huge.unavailable() == null, () -> "hugetlb skipped: " + huge.unavailable());
        }
        try (MemoryType.Mapped m = type.map(2);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.MISSING_SHMEM, Feature.MISSING_HUGETLBFS).build()) {
            long page = type.pageSize();
            long start = m.mapping().address();
            Registration r = uffd.register(start, 2 * page, EnumSet.of(RegisterMode.MISSING));
            assertEquals(!type.hugetlb(), r.supports(Ioctl.ZEROPAGE), "ioctls " + r.ioctls());

            if (type.hugetlb()) {
                Progress p = uffd.zeroPage(start, page);
                assertEquals(Errno.EINVAL, p.error());
                assertEquals(0, p.bytesDone());
                InvalidRequestException e = assertThrows(InvalidRequestException.class, p::orThrow);
                assertEquals("UFFDIO_ZEROPAGE", e.operation());
                assertTrue(e.getMessage().contains("0x" + Long.toHexString(start)), e.getMessage());
                assertFalse(Probe.present(start), "a refused ZEROPAGE maps nothing");
                return;
            }

            assertFalse(Probe.present(start), "nothing is mapped before ZEROPAGE");
            Progress done = uffd.zeroPage(start, page);
            assertTrue(done.complete(), done.toString());
            assertEquals(Errno.NONE, done.error());
            assertEquals(page, done.bytesDone());
            assertEquals(Ioctl.ZEROPAGE, done.operation());
            assertArrayEquals(new byte[(int) page], NativeAccess.read(start, (int) page));
            assertTrue(Probe.present(start));
            assertFalse(Probe.present(start + page), "only the requested page is mapped");

            Progress again = uffd.zeroPage(start, page);
            assertEquals(Errno.EEXIST, again.error());
            assertEquals(0, again.bytesDone());
            assertFalse(again.complete());
            assertFalse(again.partial());
            assertNotNull(again.exception());
            AlreadyMappedException e = assertThrows(AlreadyMappedException.class, again::orThrow);
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(start, e.start());
            assertEquals(page, e.length());
            assertTrue(e.getMessage().startsWith("UFFDIO_ZEROPAGE failed on [0x" + Long.toHexString(start)), e.getMessage());

            // Two pages where the first is mapped: the kernel stops at the first page (EEXIST, nothing done).
            Progress both = uffd.zeroPage(start, 2 * page);
            assertEquals(Errno.EEXIST, both.error());
            assertEquals(0, both.bytesDone());
            assertFalse(Probe.present(start + page), "EEXIST on the first page leaves the second untouched");
        }
    }
}
