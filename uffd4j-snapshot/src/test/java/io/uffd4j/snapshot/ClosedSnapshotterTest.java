package io.uffd4j.snapshot;

import io.uffd4j.error.ClosedException;
import io.uffd4j.pager.LazyRegion;
import io.uffd4j.pager.Pager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Snapshotter whose region was closed refuses every operation with ClosedException naming the
 * operation (not a SnapshotException wrapping a failed request), before anything is written; so does
 * Snapshotter.of on a closed region.
 */
class ClosedSnapshotterTest {
    private static Pager pager;
    private static LazyRegion region;
    private static Snapshotter snapshots;
    private static Path dir;

    @BeforeAll
    static void openAndClose() throws Exception {
        dir = Files.createTempDirectory("uffd4j-closed-snapshotter");
        pager = Pager.launch();
        region = LazyRegion.builder(1 << 20).writeProtectable(true).pager(pager).open();
        snapshots = Snapshotter.of(region);
        region.close();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pager != null) {
            pager.close();
        }
        Files.deleteIfExists(dir);
    }

    static Map<String, Executable> calls() {
        Map<String, Executable> c = new LinkedHashMap<>();
        c.put("full", () -> snapshots.full(dir.resolve("full.u4snap")));
        c.put("fullOptions", () -> snapshots.full(dir.resolve("full.u4snap"), Snapshotter.Options.defaults()));
        c.put("delta", () -> snapshots.delta(dir.resolve("delta.u4snap")));
        c.put("deltaQuiesce", () -> snapshots.delta(dir.resolve("delta.u4snap"), Quiesce.NONE));
        c.put("progress", snapshots::progress);
        c.put("of", () -> Snapshotter.of(region));
        return c;
    }

    static Stream<String> operations() {
        return calls().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void throwsClosedException(String operation) {
        ClosedException e = assertThrows(ClosedException.class, calls().get(operation), operation);
        assertTrue(e.getMessage().contains(e.operation()), e.getMessage());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(e.getMessage().contains("Snapshotter"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("full.u4snap")), "nothing was written");
    }
}
