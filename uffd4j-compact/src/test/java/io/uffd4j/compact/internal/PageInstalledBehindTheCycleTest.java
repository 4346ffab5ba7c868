package io.uffd4j.compact.internal;

import io.uffd4j.Modes;
import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.CompactionCycle;
import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.Strategy;
import io.uffd4j.error.Errno;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A to-space page that is installed (with its right contents) by an ioctl whose caller never marks it
 * done, the way a producer that lost a race, or one that failed between its ioctl and its bookkeeping,
 * leaves it: the compaction thread then finds the page present (EEXIST) and must complete it from the
 * kernel's answer. Before that rule the finishing pass retried such a page forever at 100% CPU (seen
 * once in ConcurrentCompactionTest, MOVE or ADAPTIVE).
 */
class PageInstalledBehindTheCycleTest {
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = {"COPY", "MOVE", "ADAPTIVE"})
    void theCycleCompletesAPageItDidNotInstall(Strategy strategy) throws Exception {
        StoreConfig config = StoreConfig.builder(8L << 20).strategy(strategy).compactionThreads(1)
                .pacePerPage(Duration.ofMillis(1)).userAssist(false).build();
        SplittableRandom rnd = new SplittableRandom(42);
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            List<RecordId> ids = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                byte[] b = new byte[16 + rnd.nextInt(3000)];
                rnd.nextBytes(b);
                RecordId id = store.put(b);
                if (i % 3 == 0) {
                    store.free(id);          // holes, so that most pages are built from pieces
                } else {
                    ids.add(id);
                    contents.add(b);
                }
            }
            StoreEngine engine = EngineAccess.engine(store);
            CompactionCycle cycle = store.startCompaction();
            Cycle c = engine.activeCycle().cycle;
            long page = c.pageSize;
            int last = c.plan.toPages - 1;   // the paced compaction thread, in address order, gets there last
            MemorySegment buf = arena.allocate(page, page);
            int src = c.plan.source(last);
            if (src >= 0) {
                MemorySegment.copy(c.fromData, (long) src << c.pageShift, buf, 0, page);
            } else {
                new PageAssembler(page).assemble(c.plan, last, c.fromData, buf, 0);
            }
            Errno e = c.uffd.resolver().copy(c.regionAddress + ((long) last << c.pageShift), buf.address(), page, Modes.none());
            assertEquals(Errno.NONE, e, "installing the last to-space page before the compaction thread");

            CycleReport report = cycle.await();
            assertTrue(report.completed(), report.toString());
            for (int i = 0; i < ids.size(); i++) {
                assertArrayEquals(contents.get(i), store.get(ids.get(i)), "record " + i);
            }
        }
    }
}
