package io.uffd4j.cli;

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
 * The demo serves faults in-process, so it gets the GC-storm test: under each collector, in a child
 * JVM whose progress output is watched, a hang, a crash or a wrong page fails the test.
 */
class DemoGcStormTest {
    static final List<String> COLLECTORS = ChildRun.COLLECTORS;

    @ParameterizedTest
    @FieldSource("COLLECTORS")
    void demoUnderGcStorm(String gc) throws Exception {
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), DemoGcStormWorkload.class,
                List.of("8", "32M"), Duration.ofMinutes(3), Duration.ofSeconds(30));
        System.out.println(gc + ": " + r.output().lines().filter(l -> l.startsWith("OK")).findFirst().orElse(r.describe()));
        assertFalse(r.timedOut(), () -> "hang under " + gc + ": " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash under " + gc + ": " + r.describe());
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("OK rounds=8 pages=65536"), r::describe);
    }
}
