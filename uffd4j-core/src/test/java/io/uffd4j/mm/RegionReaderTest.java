package io.uffd4j.mm;

import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a region in which pages 3 and 5 of 8 are poisoned: every other byte arrives, the two pages are
 * named, nothing throws InternalError, the JVM lives. Every page is populated or poisoned (a missing page
 * with nobody serving it would wait forever).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegionReaderTest {
    static final long PAGE = PageSizes.base();

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void failedPagesAreNamedAndTheRestIsRead(boolean userModeOnly) {
        try (Mapping m = Mapping.anonymous(8 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).userModeOnly(userModeOnly).build();
             Arena arena = Arena.ofConfined()) {
            fill(uffd, m, arena, 3, 5);
            MemorySegment region = m.segment();
            for (MemorySegment dst : List.of(arena.allocate(8 * PAGE), MemorySegment.ofArray(new byte[(int) (8 * PAGE)]))) {
                RegionReader.Result r = RegionReader.read(region, 0, dst);
                RegionReader.Incomplete in = assertInstanceOf(RegionReader.Incomplete.class, r);
                assertEquals(List.of(3 * PAGE, 5 * PAGE), in.failedPages().stream().map(RegionReader.FailedPage::offset).toList());
                assertTrue(in.failedPages().stream().allMatch(f -> f.length() == PAGE && f.reason().startsWith("poisoned")),
                        in::toString);
                assertEquals(6 * PAGE, in.bytesRead());
                for (int p : new int[] {0, 1, 2, 4, 6, 7}) {
                    assertEquals((byte) (p + 1), dst.get(JAVA_BYTE, p * PAGE + 17), "page " + p);
                }
            }
        }
    }

    @Test
    void unalignedPartsAreClippedToWhatWasAsked() {
        try (Mapping m = Mapping.anonymous(8 * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).build();
             Arena arena = Arena.ofConfined()) {
            fill(uffd, m, arena, 3);
            MemorySegment dst = arena.allocate(2 * PAGE);
            RegionReader.Result r = RegionReader.read(m.segment(), 2 * PAGE + 100, dst);
            RegionReader.Incomplete in = assertInstanceOf(RegionReader.Incomplete.class, r);
            assertEquals(List.of(new RegionReader.FailedPage(3 * PAGE, PAGE, in.failedPages().getFirst().reason())), in.failedPages());
            assertEquals(PAGE, in.bytesRead(), "PAGE - 100 bytes of page 2 and 100 of page 4");
            assertEquals(5, dst.get(JAVA_BYTE, 2 * PAGE - 1), "the last byte comes from page 4");
            assertEquals(new RegionReader.Complete(PAGE), RegionReader.read(m.segment(), 0, arena.allocate(PAGE)));
            assertThrows(IndexOutOfBoundsException.class, () -> RegionReader.read(m.segment(), 7 * PAGE, arena.allocate(2 * PAGE)));
            assertThrows(IllegalArgumentException.class, () -> RegionReader.read(MemorySegment.ofArray(new byte[8]), 0, arena.allocate(8)));
        }
    }

    /** Registers m, fills page p with bytes p + 1 and poisons the pages listed. */
    private static void fill(Userfaultfd uffd, Mapping m, Arena arena, int... poisoned) {
        uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
        MemorySegment staging = arena.allocate(PAGE, PAGE);
        outer:
        for (int p = 0; p < m.size() / PAGE; p++) {
            for (int q : poisoned) {
                if (q == p) {
                    uffd.poison(m.address() + p * PAGE, PAGE, Modes.none()).orThrow();
                    continue outer;
                }
            }
            staging.fill((byte) (p + 1));
            uffd.copy(m.address() + p * PAGE, staging, Modes.none()).orThrow();
        }
    }
}
