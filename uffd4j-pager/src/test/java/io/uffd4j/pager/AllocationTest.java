package io.uffd4j.pager;

import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.mm.Mapping;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pager's fault path is built on core's Resolver: its ioctls must not allocate (measured with the
 * thread's allocation counter over many calls, after warm-up so that the JIT has compiled them).
 */
class AllocationTest {
    @Test
    void resolverIoctlsDoNotAllocate() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Userfaultfd uffd = Userfaultfd.open(); Mapping m = Mapping.anonymous(1 << 20)) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            Resolver r = uffd.newResolver();
            for (int i = 0; i < 200_000; i++) {
                r.wake(m.address(), 4096);
            }
            // Best of several rounds: a recompilation during one round can allocate once; an allocation
            // per call shows in every round (at least 16 bytes per call).
            long best = Long.MAX_VALUE;
            int n = 100_000;
            for (int round = 0; round < 5; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    if (r.wake(m.address(), 4096) != Errno.NONE) {
                        fail("UFFDIO_WAKE failed: " + r.lastError());
                    }
                }
                best = Math.min(best, (threads.getCurrentThreadAllocatedBytes() - before) / n);
            }
            System.out.println("bytes allocated per UFFDIO_WAKE (best round): " + best);
            assertEquals(0, best, "the resolver allocates on every ioctl");
        }
    }
}
