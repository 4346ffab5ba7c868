package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

/**
 * 1000 open/close cycles leave nothing behind: descriptors, mapping lines and threads are counted in
 * this JVM, the supervisor and the worker before and after.
 */
class LeakTest {
    static final int CYCLES = 1000;

    @Test
    void thousandOpenCloseCyclesLeakNothing() {
        try (Pager pager = Pager.launch()) {
            cycles(pager, 50); // warm up: JIT threads, lazily created buffers
            ProcessCensus app0 = ProcessCensus.self();
            ProcessCensus sup0 = ProcessCensus.of(pager.supervisorPid());
            long workerPid = pager.workerPid();
            ProcessCensus wrk0 = ProcessCensus.of(workerPid);
            long t0 = System.nanoTime();
            cycles(pager, CYCLES);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // The worker's region threads end after the regions close: wait for them (no event reaches this
            // process; /proc is polled). The assertions below say what is left if they do not.
            Await.poll(() -> ProcessCensus.of(workerPid).minus(wrk0).threads() <= 3, Duration.ofSeconds(30));
            ProcessCensus app = ProcessCensus.self().minus(app0);
            ProcessCensus sup = ProcessCensus.of(pager.supervisorPid()).minus(sup0);
            assertEquals(workerPid, pager.workerPid(), "the worker was restarted during the test");
            ProcessCensus wrk = ProcessCensus.of(workerPid).minus(wrk0);
            System.out.println(CYCLES + " cycles in " + ms + " ms; growth app=" + app + " supervisor=" + sup + " worker=" + wrk);
            for (ProcessCensus c : new ProcessCensus[] {app, sup, wrk}) {
                // a leak per cycle would show as ~1000; allow a little JVM-internal noise (JIT, malloc arenas)
                assertTrue(c.fds() <= 2, () -> "descriptors leaked: " + c);
                assertTrue(c.maps() <= 16, () -> "mappings leaked: " + c);
                assertTrue(c.threads() <= 3, () -> "threads leaked: " + c);
            }
        }
    }

    private static void cycles(Pager pager, int n) {
        for (int i = 0; i < n; i++) {
            Backing b = i % 2 == 0 ? Backing.PRIVATE_ANONYMOUS : Backing.SHARED_MEMFD;
            try (LazyRegion r = LazyRegion.builder(64 * PAGE).source(SourceSpec.generator(i, 64 * PAGE)).backing(b).pager(pager).open()) {
                long o = (i % 64) * PAGE + 8;
                assertEquals(Verify.expected(i, 64 * PAGE, o), r.segment().get(JAVA_LONG, o));
            }
        }
    }
}
