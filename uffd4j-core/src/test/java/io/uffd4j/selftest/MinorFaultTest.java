package io.uffd4j.selftest;

import io.uffd4j.serve.Resolution;
import io.uffd4j.ContinueMode;
import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.event.FaultKind;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.ServerStats;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel selftests "minor" and "minor-wp" on shmem: the page cache is filled through a second mapping
 * and with pwrite; reading the registered mapping takes a MINOR fault per page; the handler changes the
 * page through the other mapping and maps it with CONTINUE, so the reader must see the changed bytes.
 * With WP, CONTINUE maps the page write-protected and the first write to it is a WRITE_PROTECT fault.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MinorFaultTest {
    static final long PAGE = PageSizes.base();
    static final int PAGES = 64;

    static void flip(MemorySegment page) {
        for (long o = 0; o < page.byteSize(); o += 8) {
            page.set(JAVA_LONG, o, ~page.get(JAVA_LONG, o));
        }
    }

    static byte[] flipped(byte[] b) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ~out[i];
        }
        return out;
    }

    @ParameterizedTest(name = "writeProtect={0}")
    @ValueSource(booleans = {false, true})
    void minorFaultsAreResolvedWithContinue(boolean wp) {
        Set<Feature> features = wp
                ? EnumSet.of(Feature.MINOR_SHMEM, Feature.PAGEFAULT_FLAG_WP, Feature.WP_HUGETLBFS_SHMEM)
                : EnumSet.of(Feature.MINOR_SHMEM);
        Set<RegisterMode> modes = wp ? EnumSet.of(RegisterMode.MINOR, RegisterMode.WP) : EnumSet.of(RegisterMode.MINOR);
        Modes<ContinueMode> continueModes = wp ? Modes.of(ContinueMode.WP) : Modes.none();
        try (Memfd memfd = Memfd.create("selftest-minor", PAGES * PAGE);
             Mapping alias = memfd.map();
             Mapping served = memfd.map();
             Userfaultfd uffd = Userfaultfd.builder().features(features).build();
             Arena arena = Arena.ofConfined()) {
            MemorySegment view = alias.segment();
            for (int p = 0; p < PAGES / 2; p++) {
                Patterns.fill(view, p * PAGE, PAGE, 9, p);
            }
            MemorySegment buf = arena.allocate(PAGE);
            for (int p = PAGES / 2; p < PAGES; p++) {
                Patterns.fill(buf, 0, PAGE, 9, p);
                memfd.write(p * PAGE, buf);
            }
            ServerStats stats;
            try (FaultServer server = FaultServer.builder(uffd).serve(served, modes, null)
                    .handler((fault, r) -> {
                        if (fault.kind() == FaultKind.MINOR) {
                            flip(view.asSlice(fault.pageOffset(), PAGE));
                            return Resolution.from(r.continueRange(fault.pageAddress(), PAGE, continueModes), r);
                        } else if (fault.kind() == FaultKind.WRITE_PROTECT) {
                            return Resolution.from(r.writeProtect(fault.pageAddress(), PAGE, Modes.<WriteProtectMode>none()), r);
                        } else {
                            throw new IllegalStateException("unexpected " + fault);
                        }
                    })
                    .start()) {
                GuardedMemory g = server.guarded(served);
                for (int p = 0; p < PAGES; p++) {
                    g.read(p * PAGE, buf);
                    assertArrayEquals(flipped(Patterns.page(PAGE, 9, p)), buf.toArray(JAVA_BYTE), "page " + p);
                    assertEquals(wp, Probe.uffdWriteProtected(served.address() + p * PAGE), "page " + p + " mapped write-protected");
                }
                assertEquals(PAGES, server.stats().minorFaults());
                for (int p = 0; p < PAGES; p++) {
                    g.setLong(p * PAGE + 8, 0xC0FFEE00L + p);
                    assertFalse(Probe.uffdWriteProtected(served.address() + p * PAGE));
                }
                stats = server.stats();
            }
            assertEquals(PAGES, stats.minorFaults());
            assertEquals(0, stats.missingFaults());
            assertEquals(wp ? PAGES : 0, stats.writeProtectFaults());
            assertEquals(0, stats.handlerFailures());
            for (int p = 0; p < PAGES; p++) {
                assertEquals(0xC0FFEE00L + p, view.get(JAVA_LONG, p * PAGE + 8), "the write reached the page cache");
                assertEquals(~Patterns.word(9, p, 0), view.get(JAVA_LONG, p * PAGE));
            }
            assertTrue(Probe.present(served.address()));
        }
    }
}
