package io.uffd4j.snapshot;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live snapshots of a region that 4 threads keep writing with plain MemorySegment stores: a full image
 * and three deltas, each proven equal to the region at its instant, then restored lazily and compared.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LiveSnapshotTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyImageEqualsTheRegionAtItsInstant(boolean memfd, @TempDir Path dir) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("LiveSnapshotTest");
        String out = SnapshotWorkload.run(new SnapshotWorkload.Config(16384, 4, 3, seed, false, memfd, 1L << 20, dir));
        System.out.println((memfd ? "memfd: " : "anonymous: ") + out + " (seed " + seed + ")");
        assertTrue(out.startsWith("OK"), out);
    }

    /**
     * Slow writers (one write per ~200 us each): most pages are written once between two images, many of
     * them while the full image is being saved or before dirty tracking has moved to WP_ASYNC. A page
     * written there and never again must still reach the next delta.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void pagesWrittenOnceBetweenImagesReachTheDelta(boolean memfd, @TempDir Path dir) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("LiveSnapshotTest");
        String out = SnapshotWorkload.run(new SnapshotWorkload.Config(16384, 4, 2, seed, false, memfd, 1L << 20, dir,
                200_000));
        System.out.println((memfd ? "memfd, slow writers: " : "anonymous, slow writers: ") + out + " (seed " + seed + ")");
        assertTrue(out.startsWith("OK"), out);
    }
}
