package io.uffd4j.compact;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The safepoint rule, tested for the store: in a child JVM under each collector, three threads put,
 * update, free and read verified records while compaction cycles run back to back (every strategy
 * in turn) and another thread allocates and calls System.gc() in a loop. Users fault in native state
 * and the in-process fault server produces the pages; a hang (progress stalls), a crash, a wrong
 * record or a handler failure fails the test.
 */
class GcStormTest {
    static final List<String> COLLECTORS = ChildRun.COLLECTORS;

    @ParameterizedTest
    @FieldSource("COLLECTORS")
    void storeUnderGcStorm(String gc) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("GcStormTest");
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), StoreWorkload.class,
                List.of("ALL", "3", Long.toString(seed), "gcstorm"), Duration.ofMinutes(3), Duration.ofSeconds(30));
        r.output().lines().filter(l -> l.startsWith("OK")).forEach(l -> System.out.println(gc + ": " + l));
        assertFalse(r.timedOut(), () -> "hang under " + gc + " (seed " + seed + "): " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash under " + gc + ": " + r.describe());
        assertEquals(0, r.exitCode(), () -> "seed " + seed + ": " + r.describe());
        assertTrue(r.output().contains("DONE"), r::describe);
        assertEquals(Strategy.values().length, r.output().lines().filter(l -> l.startsWith("OK")).count(), r::describe);
        assertTrue(r.output().lines().filter(l -> l.startsWith("OK")).allMatch(l -> !l.endsWith("gcs=0")),
                "the GC storm ran");
    }
}
