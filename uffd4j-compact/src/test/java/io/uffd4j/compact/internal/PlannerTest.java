package io.uffd4j.compact.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The planner against a simulation: random layouts and keep thresholds, then the to-space is
 * produced in plain arrays exactly as the page workers do (kept pages copied whole, built pages
 * assembled from pieces) and every record must read back; plus the plan's structural rules.
 */
class PlannerTest {
    static final int PAGE = 4096;

    @Test
    void randomLayoutsProduceEveryRecord() {
        long base = io.uffd4j.testkit.Seeds.seed("PlannerTest");
        for (int round = 0; round < 300; round++) {
            long seed = base + round;
            try {
                check(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("planner failed for seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void fullPagesOfAPreviousCompactionAreKeptAtTheirPlace() {
        // Dense prefix: 40 pages of 512-byte records, then a sparse tail.
        Layout l = new Layout(128);
        for (int i = 0; i < 40 * 8; i++) {
            l.add(512, true);
        }
        for (int i = 0; i < 200; i++) {
            l.add(300, i % 3 == 0);
        }
        Plan plan = l.plan(1.0);
        for (int p = 0; p < 40; p++) {
            assertEquals(p, plan.source(p), "dense page " + p + " stays in place, unread");
        }
        assertEquals(40, plan.keptPages());
        simulate(l, plan);
    }

    @Test
    void pageLevelCompactionKeepsEveryPageWithLiveData() {
        Layout l = new Layout(256);
        Random r = new Random(7);
        for (int i = 0; i < 1500; i++) {
            l.add(1 + r.nextInt(900), r.nextInt(4) == 0);
        }
        Plan plan = l.plan(0.0);
        assertEquals(plan.toPages(), plan.keptPages(), "every page is kept: nothing is read");
        simulate(l, plan);
    }

    /**
     * The two phases with users in between: records freed and put after the draft. Every record live
     * at the end reads back at its committed offset; records freed meanwhile are not relocated.
     */
    @Test
    void draftThenFinishWithChangesInBetween() {
        long base = io.uffd4j.testkit.Seeds.seed("PlannerTest");
        for (int round = 0; round < 200; round++) {
            long seed = base + round;
            try {
                twoPhase(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("two-phase planner failed for seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private void twoPhase(long seed) {
        Random r = new Random(seed);
        Layout l = new Layout(400);
        int n = 200 + r.nextInt(1500);
        for (int i = 0; i < n && l.top < 300L * PAGE; i++) {
            int len = r.nextInt(8) == 0 ? r.nextInt(3 * PAGE) : r.nextInt(600);
            l.add(len, r.nextInt(3) != 0);
        }
        double threshold = r.nextInt(3) == 0 ? 0.0 : r.nextInt(2) == 0 ? 1.0 : r.nextDouble();
        Planner planner = new Planner(PAGE, threshold);
        Planner.Draft draft = planner.draft(l.log.snapshot(), l.table, l.pageLive, l.spare, l.top);
        // Meanwhile: some drafted records are freed, some put (possibly into the last, partly allocated page).
        for (long[] rec : l.records) {
            if (rec[3] == 1 && r.nextInt(5) == 0) {
                l.free(rec);
            }
        }
        int more = r.nextInt(60);
        for (int i = 0; i < more && l.top < 380L * PAGE; i++) {
            l.add(r.nextInt(4) == 0 ? r.nextInt(2 * PAGE) : r.nextInt(300), true);
        }
        Plan plan = planner.finish(draft, l.log, l.table, l.top);
        byte[] from = new byte[l.pages * PAGE];
        new Random(seed).nextBytes(from);
        for (long[] rec : l.records) {
            if (rec[3] == 1) {
                fill(from, (int) rec[1], (int) rec[2], rec[0] * 1_000_003 + rec[1]);
            }
        }
        byte[] to = produce(plan, from);
        long[] before = new long[l.records.size()];
        for (int i = 0; i < before.length; i++) {
            before[i] = l.table.offsetPlain((int) l.records.get(i)[0]);
        }
        planner.commit(plan, l.log, l.table, l.spare);
        int live = 0;
        for (long[] rec : l.records) {
            int slot = (int) rec[0];
            if (rec[3] != 1) {
                continue;
            }
            live++;
            long no = l.table.offsetPlain(slot);
            assertTrue(no <= rec[1], "moves down");
            byte[] want = new byte[(int) rec[2]];
            fill(want, 0, want.length, rec[0] * 1_000_003 + rec[1]);
            assertTrue(Arrays.equals(want, Arrays.copyOfRange(to, (int) no, (int) no + want.length)),
                    "record at " + rec[1] + " (" + rec[2] + " bytes) -> " + no + " reads back wrong");
        }
        assertTrue(live <= plan.count(), "every live record is planned");
    }

    /** Produces the to-space of {@code plan} from {@code from}, like the page workers. */
    static byte[] produce(Plan plan, byte[] from) {
        byte[] to = new byte[Math.max(1, plan.toPages()) * PAGE];
        for (int p = 0; p < plan.toPages(); p++) {
            int src = plan.source(p);
            if (src >= 0) {
                System.arraycopy(from, src * PAGE, to, p * PAGE, PAGE);
                continue;
            }
            long ps = (long) p * PAGE;
            for (int i = plan.firstRecord[p]; i < plan.count && plan.newOffset(i) < ps + PAGE; i++) {
                long s = Math.max(plan.newOffset(i), ps);
                long e = Math.min(plan.newOffset(i) + plan.length(i), ps + PAGE);
                if (s < e) {
                    System.arraycopy(from, (int) (plan.oldOffset(i) + (s - plan.newOffset(i))), to, (int) s, (int) (e - s));
                }
            }
        }
        return to;
    }

    private void check(long seed) {
        Random r = new Random(seed);
        Layout l = new Layout(64 + r.nextInt(200));
        int n = r.nextInt(2000);
        double liveShare = r.nextDouble();
        int style = r.nextInt(3);
        for (int i = 0; i < n && l.top < (long) (l.pages - 20) * PAGE; i++) {
            int len = switch (style) {
                case 0 -> r.nextInt(64);
                case 1 -> 1 + r.nextInt(3 * PAGE);
                default -> r.nextInt(10) == 0 ? r.nextInt(6 * PAGE) : r.nextInt(400);
            };
            boolean denseRun = r.nextInt(50) == 0;
            int repeat = denseRun ? 5 + r.nextInt(30) : 1;
            for (int k = 0; k < repeat && l.top + len + 8 < (long) (l.pages - 20) * PAGE; k++) {
                l.add(len, denseRun || r.nextDouble() < liveShare);
            }
        }
        double threshold = switch (r.nextInt(4)) {
            case 0 -> 0.0;
            case 1 -> 1.0;
            default -> r.nextDouble();
        };
        simulate(l, l.plan(threshold));
    }

    /** A region's history: allocations in address order, some freed. */
    static final class Layout {
        final int pages;
        final RecordTable table;
        final AddressLog log = new AddressLog(16);
        final int[] pageLive;
        final int[] spare;
        final List<long[]> records = new ArrayList<>(); // slot, offset, length, live
        long top;
        final Planner accounting = new Planner(PAGE, 1.0);

        Layout(int pages) {
            this.pages = pages;
            this.table = new RecordTable(Math.max(100_000, pages * 8));
            this.pageLive = new int[pages];
            this.spare = new int[pages];
        }

        void add(int len, boolean live) {
            int slot = table.allocate();
            long off = top;
            top += Planner.allocation(len);
            log.append(slot, off);
            table.publish(slot, off, len);
            accounting.account(pageLive, off, len, true);
            if (!live) {
                int w = table.writeBegin(slot);
                table.retire(slot);
                table.writeEnd(slot, w);
                table.release(slot);
                accounting.account(pageLive, off, len, false);
            }
            records.add(new long[] {slot, off, len, live ? 1 : 0});
        }

        void free(long[] rec) {
            int slot = (int) rec[0];
            int w = table.writeBegin(slot);
            table.retire(slot);
            table.writeEnd(slot, w);
            table.release(slot);
            accounting.account(pageLive, rec[1], (int) rec[2], false);
            rec[3] = 0;
        }

        Plan plan(double threshold) {
            return new Planner(PAGE, threshold).plan(log, table, pageLive, spare, top);
        }
    }

    /** Produces the to-space like the workers do, then checks every record and the plan's rules. */
    static void simulate(Layout l, Plan plan) {
        byte[] from = new byte[l.pages * PAGE];
        new Random(99).nextBytes(from); // garbage everywhere
        List<long[]> live = new ArrayList<>();
        for (long[] rec : l.records) {
            if (rec[3] == 1) {
                fill(from, (int) rec[1], (int) rec[2], rec[0]);
                live.add(rec);
            }
        }
        assertEquals(live.size(), plan.count(), "every live record is planned");
        byte[] to = new byte[Math.max(1, plan.toPages()) * PAGE];
        int[] reads = new int[Math.max(1, plan.oldPages())];
        for (int p = 0; p < plan.toPages(); p++) {
            int src = plan.source(p);
            if (src >= 0) {
                assertTrue(src >= p, "kept page " + p + " comes from " + src + ": pages only move down");
                System.arraycopy(from, src * PAGE, to, p * PAGE, PAGE);
                continue;
            }
            long ps = (long) p * PAGE;
            int last = -1;
            for (int i = plan.firstRecord[p]; i < plan.count && plan.newOffset(i) < ps + PAGE; i++) {
                long s = Math.max(plan.newOffset(i), ps);
                long e = Math.min(plan.newOffset(i) + plan.length(i), ps + PAGE);
                if (s >= e) {
                    continue;
                }
                long fromOff = plan.oldOffset(i) + (s - plan.newOffset(i));
                System.arraycopy(from, (int) fromOff, to, (int) s, (int) (e - s));
                for (int q = (int) (fromOff / PAGE); q <= (int) ((fromOff + (e - s) - 1) / PAGE); q++) {
                    if (plan.consumers[q] == Plan.KEPT) {
                        fail("built page " + p + " reads kept page " + q);
                    }
                    if (q > last) {
                        reads[q]++;
                        last = q;
                    }
                }
            }
        }
        for (int q = 0; q < plan.oldPages(); q++) {
            if (plan.consumers[q] != Plan.KEPT) {
                assertEquals(reads[q], plan.consumers[q], "readers of from-space page " + q);
            }
        }
        long prevEnd = 0;
        for (int i = 0; i < plan.count(); i++) {
            long[] rec = live.get(i);
            assertEquals(rec[0], plan.slot(i), "address order kept");
            long no = plan.newOffset(i);
            assertTrue(no <= plan.oldOffset(i), "records only move down");
            assertTrue(no >= prevEnd, "records do not overlap");
            assertEquals(0, no % 8, "8-byte aligned");
            prevEnd = no + Planner.allocation(plan.length(i));
            byte[] want = new byte[(int) rec[2]];
            fill(want, 0, want.length, rec[0]);
            byte[] got = Arrays.copyOfRange(to, (int) no, (int) no + want.length);
            if (!Arrays.equals(want, got)) {
                fail("record " + i + " (slot " + rec[0] + ", " + rec[2] + " bytes, " + rec[1] + " -> " + no
                        + ") reads back wrong");
            }
        }
        assertEquals(prevEnd, plan.newTop());
        long liveAlloc = 0;
        for (long[] rec : live) {
            liveAlloc += Planner.allocation((int) rec[2]);
        }
        assertTrue(plan.newTop() >= liveAlloc && plan.newTop() <= l.top);
        if (plan.keptPages() == 0) {
            assertEquals(liveAlloc, plan.newTop(), "without kept pages the records are packed");
        }
    }

    static void fill(byte[] b, int off, int len, long key) {
        long x = key * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[off + i] = (byte) x;
        }
    }
}
