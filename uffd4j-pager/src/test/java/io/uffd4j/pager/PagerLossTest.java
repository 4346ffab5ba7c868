package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.internal.ChildJvm;
import io.uffd4j.testkit.ChildRun;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The loss of the pager never freezes the application: its supervisor, its worker or both are killed
 * (or the supervisor stopped) while threads wait in faults on missing pages and a GC storm runs, in a
 * child JVM under each collector. The child must keep completing collections (a stall of its progress
 * output is a hang), read only right words or get an exception, notice a lost supervisor within the
 * loss timeout, and leave no pager process behind once it exits.
 */
class PagerLossTest {
    static final long SIZE = 32L << 20;

    static Stream<Arguments> runs() {
        // Every victim under G1; the collectors that differ most in how they reach safepoints, and the
        // shared memfd backing (page-cache writes + CONTINUE, with its journal), on the hardest case.
        Backing priv = Backing.PRIVATE_ANONYMOUS;
        PagerLossWorkload.Victim both = PagerLossWorkload.Victim.BOTH;
        return Stream.of(
                Stream.of(PagerLossWorkload.Victim.values()).map(v -> Arguments.of(v, "-XX:+UseG1GC", priv)),
                Stream.of("-XX:+UseParallelGC", "-XX:+UseZGC").map(gc -> Arguments.of(both, gc, priv)),
                Stream.of(Arguments.of(both, "-XX:+UseG1GC", Backing.SHARED_MEMFD))).flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("runs")
    void thePagerIsTakenAwayDuringAFillUnderAGcStorm(PagerLossWorkload.Victim victim, String gc, Backing backing) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("PagerLossTest");
        ChildRun.Result r = ChildRun.run(ChildJvm::command, gc, List.of("-Xmx256m"), PagerLossWorkload.class,
                List.of(victim.name(), Long.toString(SIZE), Long.toString(seed), backing.name()), Duration.ofMinutes(4), Duration.ofSeconds(30));
        System.out.println(victim + " " + gc + " " + backing + ": " + r.output().lines().filter(l -> l.startsWith("OK")).findFirst().orElse(r.describe()));
        assertFalse(r.timedOut(), () -> "hang after taking away the " + victim + " under " + gc + ": " + r.describe());
        assertNull(r.hsErr(), () -> "JVM crash: " + r.describe());
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("OK victim="), r::describe);
        // The guardian ends with the application (it took over, or it was told that nothing is held any more).
        Matcher g = Pattern.compile("guardian=(\\d+)").matcher(r.output());
        assertTrue(g.find(), r::describe);
        Optional<ProcessHandle> guardian = ProcessHandle.of(Long.parseLong(g.group(1)));
        if (guardian.isPresent()) {
            try {
                guardian.get().onExit().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stillAlive) {
                // the assertion says so
            }
        }
        assertFalse(guardian.map(ProcessHandle::isAlive).orElse(false), "the guardian outlived its application");
    }
}
