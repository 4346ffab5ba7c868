package io.uffd4j.snapshot;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live snapshots (a full one and two deltas) of a region that 4 threads write with plain MemorySegment
 * stores while another thread allocates and calls System.gc() in a loop, under each collector, each
 * image proven equal to the region at its instant. A stall of the child's progress is a hang.
 */
class SnapshotGcStormTest {
    static final List<String> COLLECTORS = ChildRun.COLLECTORS;

    @ParameterizedTest
    @FieldSource("COLLECTORS")
    void snapshotsUnderGcStorm(String gc, @TempDir Path dir) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("SnapshotGcStormTest");
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), SnapshotWorkload.class,
                List.of("16384", "4", "3", Long.toString(seed), "true", "false", Long.toString(1L << 20), dir.toString()),
                Duration.ofMinutes(4), Duration.ofSeconds(40));
        String ok = r.output().lines().filter(l -> l.startsWith("OK")).findFirst().orElse(r.describe());
        System.out.println(gc + " (seed " + seed + "): " + ok);
        assertFalse(r.timedOut(), () -> "hang under " + gc + ": " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash under " + gc + ": " + r.describe());
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().lines().anyMatch(l -> l.startsWith("OK ")), r::describe);
    }
}
