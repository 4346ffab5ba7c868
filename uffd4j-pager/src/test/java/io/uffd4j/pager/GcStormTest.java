package io.uffd4j.pager;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.testkit.ChildRun;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The safepoint rule for lazy regions: 8 threads read and write a 1 GiB lazy region with plain
 * MemorySegment access (faults taken in Java code) while another thread allocates and calls
 * System.gc() in a loop, under G1, Parallel and ZGC, one collector at a time. A hang (progress stall),
 * a crash or a wrong word fails the test.
 */
class GcStormTest {
    static final List<String> COLLECTORS = ChildRun.COLLECTORS;
    static final long SIZE = Long.getLong("uffd4j.pager.gcstorm.bytes", 1L << 30);

    @ParameterizedTest
    @FieldSource("COLLECTORS")
    void eightThreadsOnALazyRegionUnderGcStorm(String gc) throws Exception {
        String prefetch = gc.contains("ZGC") ? "SEQUENTIAL" : "NONE"; // demand-only faults, and faults racing background fill
        long seed = io.uffd4j.testkit.Seeds.seed("GcStormTest");
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), GcStormWorkload.class,
                List.of(Long.toString(SIZE), "8", prefetch, Long.toString(seed)), Duration.ofMinutes(8), Duration.ofSeconds(45));
        System.out.println(gc + ": " + r.output().lines().filter(l -> l.startsWith("OK")).findFirst().orElse(r.describe()));
        assertFalse(r.timedOut(), () -> "hang under " + gc + ": " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash under " + gc + ": " + r.describe());
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("OK pages="), r::describe);
    }
}
