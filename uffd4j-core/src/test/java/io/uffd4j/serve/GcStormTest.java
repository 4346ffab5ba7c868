package io.uffd4j.serve;

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
 * The safepoint rule, tested: a million faults served in-process through GuardedMemory while another
 * thread allocates and calls System.gc() in a loop, under each collector. A hang (deadline passed),
 * a crash, a wrong page or a failed handler fails the test.
 */
class GcStormTest {
    static final List<String> COLLECTORS = ChildRun.COLLECTORS;

    @ParameterizedTest
    @FieldSource("COLLECTORS")
    void millionFaultsUnderGcStorm(String gc) throws Exception {
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), GcStormWorkload.class,
                List.of("1000000", "8192"), Duration.ofMinutes(6), Duration.ofSeconds(30));
        System.out.println(gc + ": " + r.output().lines().filter(l -> l.startsWith("OK")).findFirst().orElse(r.describe()));
        assertFalse(r.timedOut(), () -> "hang under " + gc + ": " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash under " + gc + ": " + r.describe());
        assertEquals(0, r.exitCode(), () -> r.describe());
        assertTrue(r.output().contains("OK faults="), () -> r.describe());
    }
}
