package io.uffd4j.compact;

import io.uffd4j.error.ClosedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing the store in the middle of a cycle, with users running: the cycle is abandoned, users get
 * ClosedException (never a wrong record), and no descriptor, mapping or thread is left behind.
 */
class CloseMidCycleTest {

    @ParameterizedTest
    @EnumSource(value = Strategy.class, names = "STOP_THE_WORLD", mode = EnumSource.Mode.EXCLUDE)
    void closeDuringACycleLeaksNothing(Strategy strategy) throws Exception {
        // Warm up once so that lazily created JVM resources (JFR event types, logging) exist before the baseline.
        try (CompactingStore warm = CompactingStore.open(StoreConfig.builder(4L << 20).strategy(strategy).build())) {
            warm.put(new byte[100]);
            warm.compact();
        }
        Map<String, Integer> fdsBefore = descriptors();
        java.util.Set<String> mapsBefore = mappings();
        long threadsBefore = storeThreads();
        java.util.Set<Thread> storeThreadsBefore = Thread.getAllStackTraces().keySet();

        // Not 64 MiB (glibc's per-thread malloc arenas), and not a whole number of MiB: the Java heap grows by
        // whole regions of 1 to 32 MiB, so a heap mapping could otherwise pass for a region left behind.
        long regionSize = (40L << 20) + (64L << 10);
        StoreConfig config = StoreConfig.builder(regionSize).strategy(strategy)
                .pacePerPage(Duration.ofMillis(1)).build(); // a cycle of thousands of pages lasts seconds
        CompactingStore store = CompactingStore.open(config);
        long region = store.regionAddress();
        List<RecordId> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(store.put(Content.of(i, 0, 50 + (i * 37) % 900)));
        }
        for (int i = 0; i < ids.size(); i += 2) {
            store.free(ids.get(i));
        }
        AtomicReference<Throwable> wrong = new AtomicReference<>();
        AtomicLong verified = new AtomicLong();
        // Counted down by users' verified reads once the cycle has started: reads during the cycle, not a guessed time.
        CountDownLatch readsDuringCycle = new CountDownLatch(200);
        AtomicBoolean cycleStarted = new AtomicBoolean();
        List<Thread> users = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int first = 1 + 2 * t;
            users.add(Thread.ofPlatform().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(4096);
                    for (int i = first; ; i = (i + 4) % 4000 | 1) { // the first tenth: the rest is left to the paced compactor
                        int n = store.read(ids.get(i), buf);
                        if (n != 50 + (i * 37) % 900 || Content.check(buf, i, 0, n) >= 0) {
                            throw new AssertionError("record " + i + " read wrong during the cycle");
                        }
                        verified.incrementAndGet();
                        if (cycleStarted.get()) {
                            readsDuringCycle.countDown();
                        }
                        if (i % 7 == 0) {
                            store.put(Content.of(-i, 0, 200));
                        }
                    }
                } catch (ClosedException expected) {
                    // the store closed under us: the end of this user
                } catch (Throwable e) {
                    wrong.set(e);
                }
            }));
        }
        CompactionCycle cycle = store.startCompaction();
        cycleStarted.set(true);
        assertTrue(readsDuringCycle.await(60, TimeUnit.SECONDS), "users read records during the cycle");
        assertFalse(cycle.isDone(), "the cycle is still running when the store closes");
        long before = verified.get();
        store.close();
        for (Thread u : users) {
            u.join(10_000);
            assertFalse(u.isAlive(), "user thread ended");
        }
        assertNull(wrong.get(), () -> "a user saw a wrong record: " + wrong.get());
        assertTrue(before > 0, "users read records during the cycle");
        CycleReport report = cycle.await(Duration.ofSeconds(10));
        assertFalse(report.completed(), "the cycle was abandoned");
        System.out.println(strategy + ": closed mid-cycle after " + before + " verified reads; produced "
                + (report.pages().byCompactors() + report.pages().onFault()) + " of " + report.layout().toPages() + " pages");
        assertTrue(report.pages().byCompactors() + report.pages().onFault() < report.layout().toPages(), "closed before the end");

        assertThrows(ClosedException.class, () -> store.read(ids.get(1), new byte[1000]));
        assertThrows(ClosedException.class, () -> store.put(new byte[1]));
        assertThrows(ClosedException.class, store::startCompaction);
        store.close(); // idempotent

        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("uffd4j-") && !storeThreadsBefore.contains(t)) {
                t.join(5_000); // the store's threads end after close() returns (a thread cannot join itself)
            }
        }
        assertEquals(threadsBefore, storeThreads(), "store threads left: " + threadNames());
        assertEquals(fdsBefore, descriptors(), "descriptors");
        assertFalse(mapped(region), "the region is unmapped");
        assertFalse(Files.readString(Path.of("/proc/self/maps")).contains("uffd4j-compact"), "memfd views unmapped");
        for (String m : mappings()) {
            long size = size(m);
            if (!mapsBefore.contains(m) && (size == regionSize || size == 2 * regionSize)) {
                throw new AssertionError("a region-sized mapping was left behind: " + m);
            }
        }
    }

    /** Descriptors of the kinds the store opens, by kind. */
    static Map<String, Integer> descriptors() throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.contains("userfaultfd") || target.contains("eventfd") || target.contains("memfd")) {
                        kinds.merge(target.replaceAll(" \\(deleted\\)", ""), 1, Integer::sum);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return kinds;
    }

    /** The address ranges mapped now. */
    static java.util.Set<String> mappings() throws IOException {
        java.util.Set<String> ranges = new java.util.HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            ranges.add(line.substring(0, line.indexOf(' ')));
        }
        return ranges;
    }

    static long size(String range) {
        String[] r = range.split("-");
        return Long.parseUnsignedLong(r[1], 16) - Long.parseUnsignedLong(r[0], 16);
    }

    static boolean mapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long from = Long.parseUnsignedLong(range[0], 16);
            long to = Long.parseUnsignedLong(range[1], 16);
            if (address >= from && address < to) {
                return true;
            }
        }
        return false;
    }

    static long storeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("uffd4j-")).count();
    }

    static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("uffd4j-")).toList();
    }
}
