package io.uffd4j.compact;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same workload and seed give byte-identical stores with every strategy: same records at the same
 * offsets, same region bytes (records, zeroed padding, garbage in kept pages alike). Operations also
 * run while cycles are in progress; where a page gets produced (compaction thread or fault) must not
 * change the result.
 */
class DeterminismTest {
    record Outcome(String digest, List<RecordLocation> layout, long top, long liveBytes, long keptPages,
                   long builtPages) {}

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.6, 0.0})
    void everyStrategyBuildsTheSameStore(double keepThreshold) throws Exception {
        long seed = io.uffd4j.testkit.Seeds.seed("DeterminismTest");
        System.out.println("threshold " + keepThreshold + " seed " + seed);
        Outcome first = null;
        Strategy firstStrategy = null;
        for (Strategy s : Strategy.values()) {
            Outcome o = run(s, keepThreshold, seed);
            System.out.println(s + ": top=" + o.top() + " live=" + o.liveBytes() + " kept=" + o.keptPages()
                    + " built=" + o.builtPages() + " digest=" + o.digest().substring(0, 16));
            if (first == null) {
                first = o;
                firstStrategy = s;
                continue;
            }
            assertEquals(first.layout(), o.layout(), s + " vs " + firstStrategy + ": layout (seed " + seed + ")");
            assertEquals(first.top(), o.top(), s + " vs " + firstStrategy + ": top (seed " + seed + ")");
            assertEquals(first.digest(), o.digest(), s + " vs " + firstStrategy + ": region bytes (seed " + seed + ")");
            assertEquals(first.keptPages(), o.keptPages());
        }
        assertTrue(first.builtPages() > 0 || keepThreshold == 0.0, "the workload compacts something");
    }

    private Outcome run(Strategy strategy, double threshold, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        StoreConfig config = StoreConfig.builder(32L << 20).strategy(strategy).pageKeepThreshold(threshold).build();
        List<RecordId> ids = new ArrayList<>();
        List<int[]> meta = new ArrayList<>(); // length, version
        long kept = 0;
        long built = 0;
        try (CompactingStore store = CompactingStore.open(config); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            for (int round = 0; round < 6; round++) {
                CompactionCycle cycle = round == 0 ? null : store.startCompaction();
                for (int op = 0; op < 3000; op++) {
                    int k = r.nextInt(100);
                    if (k < 45 || ids.isEmpty()) {
                        int len = StoreWorkload.randomLength(r);
                        Content.fill(buf, ids.size(), 0, len);
                        ids.add(store.put(buf.asSlice(0, len)));
                        meta.add(new int[] {len, 0});
                    } else {
                        int i = r.nextInt(ids.size());
                        if (ids.get(i) == null) {
                            continue;
                        }
                        if (k < 75) {
                            int[] m = meta.get(i);
                            m[1]++;
                            Content.fill(buf, i, m[1], m[0]);
                            store.update(ids.get(i), buf.asSlice(0, m[0]));
                        } else if (k < 90) {
                            store.free(ids.get(i));
                            ids.set(i, null);
                        } else {
                            int n = store.read(ids.get(i), buf);
                            assertEquals(-1, Content.check(buf, i, meta.get(i)[1], n), "record " + i);
                        }
                    }
                }
                if (cycle != null) {
                    CycleReport rep = cycle.await();
                    assertTrue(rep.completed() && rep.errors().isEmpty(), rep.toString());
                    kept += rep.layout().keptPages();
                    built += rep.layout().builtPages();
                }
            }
            CycleReport last = store.compact();
            kept += last.layout().keptPages();
            built += last.layout().builtPages();
            for (int i = 0; i < ids.size(); i++) {
                if (ids.get(i) != null) {
                    int n = store.read(ids.get(i), buf);
                    assertEquals(meta.get(i)[0], n);
                    assertEquals(-1, Content.check(buf, i, meta.get(i)[1], n), strategy + " record " + i);
                }
            }
            assertEquals(0, store.handlerFailures());
            StoreStats st = store.stats();
            return new Outcome(HexFormat.of().formatHex(store.regionDigest()), store.layout(), st.top(), st.liveBytes(),
                    kept, built);
        }
    }
}
