package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.mm.RegionReader;
import io.uffd4j.pager.source.SourceSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@link LazyRegion#readSafely}: a region with a corrupted page (3) and an unreadable one (7) is read
 * whole; the two pages are named, every other page arrives with the source's contents.
 */
@Timeout(value = 2, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadSafelyTest {
    static final long PAGE = 4096;
    static Pager pager;

    @BeforeAll
    static void start() {
        pager = Pager.launch();
    }

    @AfterAll
    static void stop() {
        if (pager != null) {
            pager.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void failedPagesAreNamedAndTheRestIsRead(Backing backing) {
        long size = 1L << 20;
        SourceSpec src = SourceSpec.generator(5, size).with("corruptPages", "3").with("failPages", "7");
        try (LazyRegion r = LazyRegion.builder(size).source(src).backing(backing).pager(pager).open();
             Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(size, PAGE);
            RegionReader.Incomplete in = assertInstanceOf(RegionReader.Incomplete.class, r.readSafely(0, copy));
            assertEquals(List.of(3 * PAGE, 7 * PAGE), in.failedPages().stream().map(RegionReader.FailedPage::offset).toList());
            assertEquals(size - 2 * PAGE, in.bytesRead());
            for (long p = 0; p < size / PAGE; p++) {
                if (p != 3 && p != 7) {
                    Verify.page(copy, 5, size, p);
                }
            }
        }
    }
}
