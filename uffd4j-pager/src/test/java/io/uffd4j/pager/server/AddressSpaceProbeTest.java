package io.uffd4j.pager.server;

import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The liveness probe on a live address space (this process): it answers "alive" and changes nothing,
 * neither a missing page (a ZEROPAGE or real COPY probe would fill it) nor a present one. The "gone"
 * answer is covered by ForkTest (children that exit and children that exec).
 */
class AddressSpaceProbeTest {
    @Test
    void aLiveAddressSpaceIsReportedAliveAndLeftUnchanged() {
        try (Mapping m = Mapping.anonymous(2 * 4096L);
             Userfaultfd uffd = Userfaultfd.open();
             AddressSpaceProbe probe = new AddressSpaceProbe(m.pageSize());
             Arena arena = Arena.ofConfined()) {
            long page = m.pageSize();
            m.segment().set(JAVA_LONG, page, 0x5EED_F00DL); // page 1 present, page 0 missing
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            Resolver resolver = uffd.newResolver();

            assertFalse(probe.isGone(resolver, m.address()));
            assertFalse(probe.isGone(resolver, m.address() + page));

            MemorySegment residency = arena.allocate(2);
            Memory.residency(m.address(), m.size(), residency);
            assertEquals(0, residency.get(JAVA_BYTE, 0) & 1, "the probe filled a missing page");
            assertEquals(0x5EED_F00DL, m.segment().get(JAVA_LONG, page), "the probe changed a present page");
        }
    }
}
