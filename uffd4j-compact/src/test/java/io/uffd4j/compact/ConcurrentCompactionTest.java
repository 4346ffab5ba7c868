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
        long seed = io.uffd4j.testkit.Seeds.seed("ConcurrentCompactionTest");
        System.out.println(strategy + " user assist " + userAssist + " seed " + seed);
        StoreConfig config = StoreConfig.builder(64L << 20).strategy(strategy).compactionThreads(2)
                .userAssist(userAssist).build();
        try (CompactingStore store = CompactingStore.open(config)) {
            StoreWorkload w = new StoreWorkload(store, 3, 1500, seed);
            // Enough work to prove something, however long it takes this machine; the guard only catches a hang.
            boolean concurrent = strategy.concurrent();
            StoreWorkload.Result r = w.runUntil(soFar -> soFar.cycles() >= 3 && soFar.ops() > 1000
                            && (!concurrent || (userAssist ? soFar.producedByUsers() > 0 : soFar.faultsServed() > 0)),
                    Duration.ofMinutes(2), () -> System.out.println(
                    "progress " + strategy + " ops=" + w.opsSoFar() + " " + store.stats()));
            System.out.println(strategy + ": " + r.ops() + " ops, " + r.cycles() + " cycles, " + r.faultsServed()
                    + " pages produced on fault, " + r.producedByUsers() + " by users, " + r.crossReads() + " cross reads");
            if (concurrent && !userAssist) {
                assertEquals(0, r.producedByUsers(), "no user assist");
            }
            assertEquals(0, r.handlerFailures(), "fault handler failures, " + io.uffd4j.testkit.Seeds.rerun(seed));
            for (CycleReport c : r.reports()) {
                assertTrue(c.completed());
            }
        }
    }
}
