package io.uffd4j.compact;

import io.uffd4j.error.ClosedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public operation of a closed CompactingStore throws ClosedException naming the operation (not an
 * IllegalStateException of a freed segment, a NullPointerException or a stale answer); close is idempotent
 * and the immutable facts (configuration, region address and size) keep answering.
 */
class ClosedStoreTest {
    private static CompactingStore store;
    private static RecordId id;

    @BeforeAll
    static void openAndClose() {
        store = CompactingStore.open(StoreConfig.builder(1 << 20).strategy(Strategy.COPY).build());
        id = store.put(new byte[] {1, 2, 3});
        store.close();
        store.close();
    }

    @AfterAll
    static void closeAgain() {
        store.close();
    }

    static Stream<String> operations() {
        return calls().keySet().stream();
    }

    static Map<String, Executable> calls() {
        Map<String, Executable> c = new LinkedHashMap<>();
        c.put("put", () -> store.put(new byte[] {4}));
        c.put("putSegment", () -> store.put(MemorySegment.ofArray(new byte[] {4})));
        c.put("read", () -> store.read(id, new byte[8]));
        c.put("readSegment", () -> store.read(id, MemorySegment.ofArray(new byte[8])));
        c.put("get", () -> store.get(id));
        c.put("length", () -> store.length(id));
        c.put("update", () -> store.update(id, new byte[] {5}));
        c.put("updateSegment", () -> store.update(id, MemorySegment.ofArray(new byte[] {5})));
        c.put("free", () -> store.free(id));
        c.put("isLive", () -> store.isLive(id));
        c.put("liveRecords", store::liveRecords);
        c.put("forEach", () -> store.forEach((r, s) -> {}));
        c.put("layout", store::layout);
        c.put("regionDigest", store::regionDigest);
        c.put("startCompaction", store::startCompaction);
        c.put("compact", store::compact);
        c.put("stats", store::stats);
        c.put("handlerFailures", store::handlerFailures);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void throwsClosedException(String operation) {
        ClosedException e = assertThrows(ClosedException.class, calls().get(operation), operation);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(e.getMessage().contains(e.operation()), e.getMessage());
        assertTrue(e.getMessage().contains("CompactingStore"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void immutableFactsStayReadable() {
        assertEquals(1 << 20, store.regionSize());
        assertTrue(store.regionAddress() != 0);
        assertEquals(Strategy.COPY, store.config().strategy());
        assertTrue(store.toString().contains("closed"), store.toString());
    }
}
