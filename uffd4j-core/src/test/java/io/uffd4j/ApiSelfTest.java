package io.uffd4j;

import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.UnsupportedFeatureException;
import io.uffd4j.internal.ffm.Abi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftest "UFFDIO_API" (uffd-unit-tests.c), on both creation methods: a wrong API number and
 * unknown feature bits are refused with EINVAL and leave the descriptor usable; the first valid
 * handshake succeeds; a second one is refused. Lives in package io.uffd4j to reach the package-private
 * {@link ApiHandshake}, the only way to send a malformed UFFDIO_API through the library.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ApiSelfTest {

    @ParameterizedTest
    @EnumSource(value = CreationMethod.class, names = {"SYSCALL", "DEVICE"})
    void handshakeRules(CreationMethod method) {
        try (Userfaultfd uffd = Userfaultfd.builder().via(method).buildWithoutHandshake()) {
            assertEquals(method, uffd.creationMethod());

            ApiHandshake.Result wrongApi = ApiHandshake.call(uffd.fd(), 0xAB, 0);
            assertEquals(Errno.EINVAL, Errno.of(wrongApi.errno()), "UFFDIO_API with api 0xAB");

            ApiHandshake.Result bit63 = ApiHandshake.call(uffd.fd(), Abi.UFFD_API, 1L << 63);
            assertEquals(Errno.EINVAL, Errno.of(bit63.errno()), "UFFDIO_API with feature bit 63");

            // Feature bits the running kernel does not report (bits above MOVE on this kernel) are refused too.
            long offered = Feature.toBits(KernelSupport.probe().features()) | KernelSupport.probe().unknownFeatureBits();
            long firstUnknown = Long.lowestOneBit(~offered);
            ApiHandshake.Result unknown = ApiHandshake.call(uffd.fd(), Abi.UFFD_API, firstUnknown);
            assertEquals(Errno.EINVAL, Errno.of(unknown.errno()), "UFFDIO_API with unoffered bit 0x" + Long.toHexString(firstUnknown));

            // The refused calls did not initialise the descriptor: the real handshake still works.
            uffd.handshake(Set.of());
            assertEquals(Set.of(), uffd.features());
            assertTrue(uffd.ioctls().containsAll(EnumSet.of(Ioctl.API, Ioctl.REGISTER, Ioctl.UNREGISTER)), uffd.ioctls().toString());

            InvalidRequestException second = assertThrows(InvalidRequestException.class,
                    () -> uffd.handshake(EnumSet.of(Feature.PAGEFAULT_FLAG_WP)));
            assertEquals(Errno.EINVAL, second.errno());
            assertEquals("UFFDIO_API", second.operation());
            assertTrue(second.getMessage().contains("already called"), second.getMessage());
            assertEquals(Set.of(), uffd.features(), "a refused second handshake changes nothing");

            // The raw second call is refused by the kernel itself, not only by the library.
            ApiHandshake.Result raw = ApiHandshake.call(uffd.fd(), Abi.UFFD_API, 0);
            assertEquals(Errno.EINVAL, Errno.of(raw.errno()));
        }
    }

    @Test
    void kernelReportsEveryFeatureThisLibraryNames() {
        KernelSupport k = KernelSupport.probe();
        assertEquals(EnumSet.allOf(Feature.class), k.features(), "Linux 6.18 offers every named feature");
        assertEquals(0, k.unknownFeatureBits());
        assertEquals(EnumSet.of(Ioctl.API, Ioctl.REGISTER, Ioctl.UNREGISTER), k.ioctls());
    }

    @Test
    void handshakeEnablesExactlyTheRequestedFeatures() {
        EnumSet<Feature> wanted = EnumSet.of(Feature.THREAD_ID, Feature.MOVE, Feature.EVENT_REMOVE);
        try (Userfaultfd uffd = Userfaultfd.builder().features(wanted).build()) {
            assertEquals(wanted, uffd.features());
            assertTrue(uffd.has(Feature.MOVE));
            assertTrue(!uffd.has(Feature.POISON));
        }
    }

    @Test
    void missingFeatureIsNamedWithItsKernelVersion() {
        EnumSet<Feature> offered = EnumSet.complementOf(EnumSet.of(Feature.MOVE, Feature.POISON));
        KernelSupport old = new KernelSupport(offered, EnumSet.of(Ioctl.API, Ioctl.REGISTER, Ioctl.UNREGISTER),
                0, "6.5.0-test", CreationMethod.SYSCALL, false);
        old.require(EnumSet.of(Feature.MISSING_SHMEM, Feature.WP_UNPOPULATED));

        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> old.require(EnumSet.of(Feature.MOVE, Feature.MISSING_SHMEM)));
        assertEquals("UFFDIO_API", e.operation());
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("this kernel (6.5.0-test) does not support UFFD_FEATURE_MOVE (added in Linux 6.8: "
                + Feature.MOVE.description() + ")", e.getMessage());

        UnsupportedFeatureException both = assertThrows(UnsupportedFeatureException.class,
                () -> old.require(EnumSet.of(Feature.POISON, Feature.MOVE)));
        assertTrue(both.getMessage().contains("UFFD_FEATURE_POISON (added in Linux 6.6"), both.getMessage());
        assertTrue(both.getMessage().contains("UFFD_FEATURE_MOVE (added in Linux 6.8"), both.getMessage());
        assertNotEquals(-1, both.getMessage().indexOf("6.5.0-test"));
    }
}
