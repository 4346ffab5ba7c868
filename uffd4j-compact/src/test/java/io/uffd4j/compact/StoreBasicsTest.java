package io.uffd4j.compact;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreBasicsTest {
    static final long MIB = 1 << 20;

    @Test
    void putReadUpdateFree() {
        try (CompactingStore store = CompactingStore.open(StoreConfig.builder(4 * MIB).strategy(Strategy.COPY).build())) {
            RecordId a = store.put(Content.of(1, 0, 100));
            RecordId b = store.put(new byte[0]);
            RecordId c = store.put(Content.of(3, 0, 5000));
            assertArrayEquals(Content.of(1, 0, 100), store.get(a));
            assertEquals(0, store.get(b).length);
            assertArrayEquals(Content.of(3, 0, 5000), store.get(c));
            store.update(a, Content.of(1, 1, 100));
            assertArrayEquals(Content.of(1, 1, 100), store.get(a));
            assertThrows(IllegalArgumentException.class, () -> store.update(a, new byte[99]));
            store.free(a);
            assertFalse(store.isLive(a));
            assertThrows(StaleRecordException.class, () -> store.get(a));
            assertThrows(StaleRecordException.class, () -> store.free(a));
            RecordId d = store.put(Content.of(4, 0, 10));
            assertEquals(a.slot(), d.slot(), "slot reused");
            assertThrows(StaleRecordException.class, () -> store.get(a), "old generation stays stale");
            assertArrayEquals(Content.of(4, 0, 10), store.get(d));
            assertThrows(IndexOutOfBoundsException.class, () -> store.read(c, new byte[10]));
            assertEquals(List.of(b, c, d), store.liveRecords());
        }
    }

    @Test
    void fullStoreSaysSoAndCompactionMakesRoom() throws Exception {
        try (CompactingStore store = CompactingStore.open(StoreConfig.builder(1 * MIB).strategy(Strategy.MOVE).build())) {
            List<RecordId> ids = new ArrayList<>();
            StoreFullException full = null;
            try {
                for (int i = 0; ; i++) {
                    ids.add(store.put(Content.of(i, 0, 1000)));
                }
            } catch (StoreFullException e) {
                full = e;
            }
            assertTrue(full.getMessage().contains("compact"), full.getMessage());
            for (int i = 0; i < ids.size(); i += 2) {
                store.free(ids.get(i));
            }
            CycleReport r = store.compact();
            assertTrue(r.completed());
            assertTrue(r.layout().reclaimedBytes() > 400_000, r.toString());
            RecordId more = store.put(Content.of(-1, 0, 1000));
            assertArrayEquals(Content.of(-1, 0, 1000), store.get(more));
            for (int i = 1; i < ids.size(); i += 2) {
                assertArrayEquals(Content.of(i, 0, 1000), store.get(ids.get(i)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void compactionKeepsEveryRecord(Strategy strategy) throws Exception {
        Random rnd = new Random(42);
        try (CompactingStore store = CompactingStore.open(StoreConfig.builder(64 * MIB).strategy(strategy).build());
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1 << 16);
            List<RecordId> ids = new ArrayList<>();
            List<Integer> lens = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                int len = rnd.nextInt(10) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(600);
                Content.fill(buf, i, 0, len);
                ids.add(store.put(buf.asSlice(0, len)));
                lens.add(len);
            }
            for (int cycle = 0; cycle < 3; cycle++) {
                for (int i = 0; i < ids.size(); i++) {
                    if (ids.get(i) != null && rnd.nextInt(3) == 0) {
                        store.free(ids.get(i));
                        ids.set(i, null);
                    }
                }
                StoreStats before = store.stats();
                CycleReport r = store.compact();
                System.out.println(strategy + " cycle " + r.cycle() + ": " + r);
                assertTrue(r.completed());
                assertTrue(r.errors().isEmpty(), r.errors().toString());
                assertEquals(before.liveBytes(), r.layout().liveBytes());
                StoreStats after = store.stats();
                assertTrue(after.top() < before.top(), before + " -> " + after);
                for (int i = 0; i < ids.size(); i++) {
                    if (ids.get(i) == null) {
                        continue;
                    }
                    int n = store.read(ids.get(i), buf);
                    assertEquals((int) lens.get(i), n);
                    int bad = Content.check(buf, i, 0, n);
                    assertEquals(-1, bad, () -> strategy + ": record " + ids + " wrong");
                }
            }
            assertEquals(0, store.handlerFailures());
        }
    }
}
