package io.uffd4j.compact;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several threads put, update, free and read random records (verifying every byte) while compaction
 * cycles run back to back, for each strategy; the concurrent ones also with user assist off, so that
 * both ways a user gets a page the cycle has not produced (producing it itself, or a fault) are
 * exercised. Prints the seed; a failure names it.
 */
class ConcurrentCompactionTest {
    static Stream<Arguments> cases() {
        return Stream.concat(Stream.of(Strategy.values()).map(s -> Arguments.of(s, true)),
                Stream.of(Strategy.COPY, Strategy.MOVE, Strategy.CONTINUE).map(s -> Arguments.of(s, false)));
    }

    // A cycle that never finishes must fail here, not hold the build until the fork timeout.
    @Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @ParameterizedTest(name = "{0}, user assist {1}")
    @MethodSource("cases")
    void usersRunDuringRepeatedCycles(Strategy strategy, boolean userAssist) throws Exception {
        long seed = Long.getLong("uffd4j.seed", System.nanoTime());
        System.out.println(strategy + " user assist " + userAssist + " seed " + seed);
        StoreConfig config = StoreConfig.builder(64L << 20).strategy(strategy).compactionThreads(2)
                .userAssist(userAssist).build();
        try (CompactingStore store = CompactingStore.open(config)) {
            StoreWorkload w = new StoreWorkload(store, 3, 1500, seed);
            StoreWorkload.Result r = w.run(Duration.ofSeconds(4), () -> System.out.println(
                    "progress " + strategy + " ops=" + w.opsSoFar() + " " + store.stats()));
            System.out.println(strategy + ": " + r.ops() + " ops, " + r.cycles() + " cycles, " + r.faultsServed()
                    + " pages produced on fault, " + r.producedByUsers() + " by users, " + r.crossReads() + " cross reads");
            if (strategy.concurrent()) {
                if (userAssist) {
                    assertTrue(r.producedByUsers() > 0, "users produced pages themselves");
                } else {
                    assertEquals(0, r.producedByUsers(), "no user assist");
                    assertTrue(r.faultsServed() > 0, "users faulted");
                }
            }
            assertTrue(r.cycles() >= 3, "at least a few cycles ran: " + r.cycles());
            assertTrue(r.ops() > 1000, "users made progress: " + r.ops());
            assertEquals(0, r.handlerFailures(), "fault handler failures (seed " + seed + ")");
            for (CycleReport c : r.reports()) {
                assertTrue(c.completed());
            }
        }
    }
}
