package io.uffd4j.pager.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order of background work each prefetch policy chooses, driven the way the region server drives it
 * (next start, then the pages that follow up to the window that are neither filled nor dropped).
 */
class PrefetcherTest {

    /** A run the policy chose: [start, start + n). */
    record Run(long start, int n) {}

    /** The region server's background loop without I/O: at most {@code maxRuns} runs, each marked filled. */
    static List<Run> drive(Prefetcher p, PageBitmap filled, PageBitmap dropped, int maxRuns) {
        List<Run> runs = new ArrayList<>();
        while (runs.size() < maxRuns) {
            long start = p.nextStart(filled, dropped);
            if (start < 0) {
                break;
            }
            assertTrue(!filled.get(start) && !dropped.get(start), "a run starts on a page that needs filling: " + start);
            int max = Math.max(1, p.window());
            int n = 1;
            while (n < max && start + n < filled.pages() && !filled.get(start + n) && !dropped.get(start + n)) {
                n++;
            }
            filled.setRange(start, n);
            p.onRunDone(start, n);
            runs.add(new Run(start, n));
        }
        return runs;
    }

    static List<Run> drive(Prefetcher p, PageBitmap filled, int maxRuns) {
        return drive(p, filled, new PageBitmap(filled.pages()), maxRuns);
    }

    @Test
    void noneChoosesNothing() {
        Prefetcher p = new Prefetcher.None();
        PageBitmap filled = new PageBitmap(100);
        p.onDemandFault(3);
        assertEquals(List.of(), drive(p, filled, 10));
        assertEquals(0, filled.count());
    }

    @Test
    void sequentialGoesInAddressOrderDoublingItsWindow() {
        Prefetcher p = new Prefetcher.Sequential(4, 32);
        PageBitmap filled = new PageBitmap(200);
        List<Run> runs = drive(p, filled, 100);
        assertEquals(List.of(new Run(0, 4), new Run(4, 8), new Run(12, 16), new Run(28, 32), new Run(60, 32),
                new Run(92, 32), new Run(124, 32), new Run(156, 32), new Run(188, 12)), runs);
        assertEquals(200, filled.count(), "every page");
    }

    @Test
    void sequentialDropsToItsMinimumWindowOnADemandFaultAndSkipsFilledPages() {
        Prefetcher p = new Prefetcher.Sequential(4, 64);
        PageBitmap filled = new PageBitmap(1000);
        assertEquals(List.of(new Run(0, 4), new Run(4, 8), new Run(12, 16)), drive(p, filled, 3));
        filled.set(150);          // a demand fault far ahead: served, and the window shrinks
        p.onDemandFault(150);
        filled.setRange(28, 3);   // pages just ahead already filled by demand faults
        assertEquals(List.of(new Run(31, 4), new Run(35, 8)), drive(p, filled, 2));
        List<Run> rest = drive(p, filled, 1000);
        assertTrue(rest.stream().noneMatch(r -> r.start() <= 150 && 150 < r.start() + r.n()), "page 150 not filled twice: " + rest);
        assertEquals(1000, filled.count());
    }

    @Test
    void sequentialWrapsAroundToPagesLeftBehind() {
        Prefetcher p = new Prefetcher.Sequential(8, 8);
        PageBitmap filled = new PageBitmap(64);
        PageBitmap dropped = new PageBitmap(64);
        dropped.setRange(0, 16);  // a failed read: left to demand faults
        assertEquals(6, drive(p, filled, dropped, 6).size()); // [16, 64): the cursor is at the end
        dropped.clearRange(0, 16); // forgotten (MADV_DONTNEED): needed again, behind the cursor
        assertEquals(List.of(new Run(0, 8), new Run(8, 8)), drive(p, filled, dropped, 100));
    }

    @Test
    void postcopyRestartsJustAfterEachDemandFaultThenWrapsAround() {
        Prefetcher p = new Prefetcher.Postcopy(16);
        PageBitmap filled = new PageBitmap(128);
        assertEquals(List.of(new Run(0, 16), new Run(16, 16)), drive(p, filled, 2));
        filled.set(100);
        p.onDemandFault(100);
        assertEquals(List.of(new Run(101, 16), new Run(117, 11), new Run(32, 16)), drive(p, filled, 3),
                "from the faulted page on, to the end, then from the start");
        drive(p, filled, 100);
        assertEquals(128, filled.count());
    }

    @Test
    void replayFollowsTheRecordedOrderGroupingNeighboursThenStops() {
        int[] order = {50, 51, 52, 7, 90, 3, 4, 60};
        Prefetcher p = new Prefetcher.Replay(order, 8);
        PageBitmap filled = new PageBitmap(100);
        assertEquals(List.of(new Run(50, 3), new Run(7, 1), new Run(90, 1), new Run(3, 2), new Run(60, 1)),
                drive(p, filled, 100));
        assertEquals(order.length, filled.count(), "only the recorded pages: the rest is left to demand faults");
        assertEquals(-1, p.nextStart(filled, new PageBitmap(100)));
    }

    @Test
    void replaySkipsPagesAlreadyThereDroppedOrOutsideTheRegionAndBoundsItsRuns() {
        int[] order = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 5, 500, 6, 30, 31};
        Prefetcher p = new Prefetcher.Replay(order, 4);
        PageBitmap filled = new PageBitmap(40);
        PageBitmap dropped = new PageBitmap(40);
        filled.set(5);     // touched by the application before the replay got there
        dropped.set(31);   // its read failed
        p.onDemandFault(5);
        assertEquals(List.of(new Run(10, 4), new Run(14, 4), new Run(18, 2), new Run(6, 1), new Run(30, 1)),
                drive(p, filled, dropped, 100));
    }

    @Test
    void replayOfAnEmptyRecordingDoesNothing() {
        Prefetcher p = new Prefetcher.Replay(new int[0], 8);
        assertEquals(List.of(), drive(p, new PageBitmap(10), 10));
    }

    @Test
    void aRecordedFirstTouchOrderIsReplayedAsRecorded(@TempDir Path dir) throws IOException {
        FirstTouchLog log = new FirstTouchLog(2);
        long[] touched = {40, 3, 41, 42, 17, 0, 99};
        for (long page : touched) {
            log.add(page);
        }
        assertEquals(touched.length, log.count());
        Path file = dir.resolve("touch.order");
        log.write(file, 4096);
        int[] order = FirstTouchLog.read(file, 4096);
        assertArrayEquals(new int[] {40, 3, 41, 42, 17, 0, 99}, order);
        PageBitmap filled = new PageBitmap(100);
        assertEquals(List.of(new Run(40, 1), new Run(3, 1), new Run(41, 2), new Run(17, 1), new Run(0, 1), new Run(99, 1)),
                drive(new Prefetcher.Replay(order, 64), filled, 100));
    }

    @Test
    void aRecordingOfAnotherPageSizeOrFormatIsRefused(@TempDir Path dir) throws IOException {
        FirstTouchLog log = new FirstTouchLog(1);
        log.add(1);
        Path file = dir.resolve("touch.order");
        log.write(file, 4096);
        IOException size = assertThrows(IOException.class, () -> FirstTouchLog.read(file, 2 << 20));
        assertTrue(size.getMessage().contains("4096"), size.getMessage());
        Path other = dir.resolve("not-a-recording");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(other))) {
            out.writeInt(0x12345678);
            out.writeLong(4096);
            out.writeInt(0);
        }
        IOException magic = assertThrows(IOException.class, () -> FirstTouchLog.read(other, 4096));
        assertTrue(magic.getMessage().contains("not a first-touch recording"), magic.getMessage());
    }
}
