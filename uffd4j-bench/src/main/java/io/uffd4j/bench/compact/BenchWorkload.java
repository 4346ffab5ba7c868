package io.uffd4j.bench.compact;

import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.internal.Planner;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The benchmark's data: records of mixed sizes filled to a share of the region, then fragmented in a
 * pattern with both kinds of area a compacting heap sees: dense chunks nothing is freed from (their
 * pages move whole) and fragmented chunks where most records are freed (their records are packed).
 * Identical for every strategy (same seed). Record contents are a slice of a random pool stamped with
 * the record's index, so the benchmark can check records after each cycle.
 */
final class BenchWorkload {
    static final long CHUNK = 64 * 4096;
    static final int POOL = 1 << 20;

    final RecordId[] live;
    final int[] liveIndex;
    final int[] liveLength;
    final long filledBytes;
    final long liveBytes;
    final int created;
    private final MemorySegment pool;

    private BenchWorkload(RecordId[] live, int[] index, int[] length, long filled, long liveBytes, int created,
                          MemorySegment pool) {
        this.live = live;
        this.liveIndex = index;
        this.liveLength = length;
        this.filledBytes = filled;
        this.liveBytes = liveBytes;
        this.created = created;
        this.pool = pool;
    }

    static int length(SplittableRandom r) {
        int k = r.nextInt(100);
        if (k < 70) {
            return 16 + r.nextInt(240);
        }
        if (k < 95) {
            return 256 + r.nextInt(1792);
        }
        return 2048 + r.nextInt(14_336);
    }

    /** Fills {@code fillBytes} of the store, then frees 60% of the records of 60% of the 256 KiB chunks. */
    static BenchWorkload create(CompactingStore store, long fillBytes, long seed, Arena arena) {
        MemorySegment pool = arena.allocate(POOL + 65536, 8);
        SplittableRandom pr = new SplittableRandom(seed ^ 0x5EED);
        for (long o = 0; o < pool.byteSize(); o += 8) {
            pool.set(ValueLayout.JAVA_LONG, o, pr.nextLong());
        }
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment buf = arena.allocate(65536, 8);
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, fillBytes / 64);
        RecordId[] ids = new RecordId[cap];
        int[] lens = new int[cap];
        long[] offsets = new long[cap];
        int n = 0;
        long offset = store.stats().top();
        while (offset < fillBytes && n < cap) {
            int len = length(r);
            stamp(pool, buf, n, len);
            ids[n] = store.put(buf.asSlice(0, len));
            lens[n] = len;
            offsets[n] = offset;
            offset += Planner.allocation(len);
            n++;
        }
        RecordId[] live = new RecordId[n];
        int[] index = new int[n];
        int[] length = new int[n];
        int m = 0;
        long liveBytes = 0;
        for (int i = 0; i < n; i++) {
            long chunk = offsets[i] / CHUNK;
            boolean dense = Long.remainderUnsigned(mix(chunk ^ seed), 10) < 4;
            if (!dense && r.nextInt(10) < 6) {
                store.free(ids[i]);
            } else {
                live[m] = ids[i];
                index[m] = i;
                length[m] = lens[i];
                liveBytes += lens[i];
                m++;
            }
        }
        return new BenchWorkload(java.util.Arrays.copyOf(live, m), java.util.Arrays.copyOf(index, m),
                java.util.Arrays.copyOf(length, m), offset, liveBytes, n, pool);
    }

    private static void stamp(MemorySegment pool, MemorySegment buf, int i, int len) {
        long from = (i * 4099L) % POOL;
        MemorySegment.copy(pool, from, buf, 0, len);
        if (len >= 8) {
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
        }
    }

    /** Checks every {@code stride}-th live record; returns the number of wrong ones. */
    int verify(CompactingStore store, int stride, Arena arena) {
        MemorySegment buf = arena.allocate(65536, 8);
        MemorySegment want = arena.allocate(65536, 8);
        int wrong = 0;
        for (int k = 0; k < live.length; k += stride) {
            int n = store.read(live[k], buf);
            stamp(pool, want, liveIndex[k], liveLength[k]);
            if (n != liveLength[k] || buf.asSlice(0, n).mismatch(want.asSlice(0, n)) >= 0) {
                wrong++;
            }
        }
        return wrong;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }
}
