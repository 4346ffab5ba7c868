package io.uffd4j.compact;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several threads put, update, free and read random records (verifying every byte) while compaction
 * cycles run back to back, for each strategy. Prints the seed; a failure names it.
 */
class ConcurrentCompactionTest {
    @ParameterizedTest
    @EnumSource(Strategy.class)
    void usersRunDuringRepeatedCycles(Strategy strategy) throws Exception {
        long seed = Long.getLong("uffd4j.seed", System.nanoTime());
        System.out.println(strategy + " seed " + seed);
        StoreConfig config = StoreConfig.builder(64L << 20).strategy(strategy).compactionThreads(2).build();
        try (CompactingStore store = CompactingStore.open(config)) {
            StoreWorkload w = new StoreWorkload(store, 3, 1500, seed);
            StoreWorkload.Result r = w.run(Duration.ofSeconds(4), () -> System.out.println(
                    "progress " + strategy + " ops=" + w.opsSoFar() + " " + store.stats()));
            System.out.println(strategy + ": " + r.ops() + " ops, " + r.cycles() + " cycles, " + r.faultsServed()
                    + " pages produced on fault, " + r.crossReads() + " cross reads");
            assertTrue(r.cycles() >= 3, "at least a few cycles ran: " + r.cycles());
            assertTrue(r.ops() > 1000, "users made progress: " + r.ops());
            assertEquals(0, r.handlerFailures(), "fault handler failures (seed " + seed + ")");
            for (CycleReport c : r.reports()) {
                assertTrue(c.completed());
            }
        }
    }
}
