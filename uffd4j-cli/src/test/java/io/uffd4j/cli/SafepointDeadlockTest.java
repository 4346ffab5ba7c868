package io.uffd4j.cli;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The negative control of the GC-storm tests: the combination the safepoint rule forbids (raw Java
 * access to a range served by a handler thread of the same JVM, through the explicit opt-out) does hang
 * under a GC storm, and the watchdog the GC-storm tests rely on catches it. If this test ever fails
 * because the child completed, the rule (and the reason for GuardedMemory) needs a second look.
 */
class SafepointDeadlockTest {
    @Test
    void rawAccessServedInProcessDeadlocksUnderGcStorm() throws Exception {
        ChildRun.Result r = ChildRun.run(ChildJvm::command, "-XX:+UseG1GC", List.of("-Xmx64m"), UnguardedAccessWorkload.class,
                List.of("65536"), Duration.ofSeconds(90), Duration.ofSeconds(10));
        String last = r.output().lines().filter(l -> l.startsWith("progress")).reduce((a, b) -> b).orElse("none");
        System.out.println("unguarded access under a GC storm: " + (r.timedOut() ? "hung" : "did not hang")
                + " after " + last + "; " + r.threadDump().lines().findFirst().orElse(""));
        assertTrue(r.output().contains("ready"), () -> "the child did not get as far as serving: " + r.describe());
        assertFalse(r.output().contains("COMPLETED"), () -> "expected a deadlock, but: " + r.describe());
        assertTrue(r.timedOut(), r::describe);
        assertNull(r.hsErr(), r::describe);
        // The signature of a safepoint deadlock: jstack gets no thread dump (attaching and dumping need the
        // VM to reach a safepoint, or to run Java code in the attach listener).
        assertFalse(r.threadDump().contains("java.lang.Thread.State"), () -> "hung, but not at a safepoint: " + r.describe());
    }
}
