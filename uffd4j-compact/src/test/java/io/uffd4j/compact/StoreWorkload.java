package io.uffd4j.compact;

import io.uffd4j.testkit.GcStorm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;

/**
 * Random put / update / free / read from several threads while compaction cycles run back to back.
 * Every key is owned by one thread (which puts, updates and frees it and verifies every read of it);
 * all threads also read other threads' keys and accept any version published around the read. Every
 * record's content is derived from (key, version), so a byte out of place fails the run.
 *
 * <p>Also a main class for the GC-storm child JVMs: {@code StoreWorkload <strategy> <seconds> <seed>
 * [gcstorm]} prints progress lines and "OK ..." on success.
 */
public final class StoreWorkload {
    /** What a run did. */
    public record Result(long ops, long reads, long crossReads, long puts, long updates, long frees, int cycles,
                         long faultsServed, long producedByUsers, long handlerFailures, List<CycleReport> reports) {}

    private final CompactingStore store;
    private final int threads;
    private final int keysPerThread;
    private final long seed;
    private final AtomicReferenceArray<RecordId> ids;
    private final AtomicLongArray versions;
    private final int[] lengths;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong crossReads = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong frees = new AtomicLong();
    private volatile Throwable failure;

    public StoreWorkload(CompactingStore store, int threads, int keysPerThread, long seed) {
        this.store = store;
        this.threads = threads;
        this.keysPerThread = keysPerThread;
        this.seed = seed;
        int keys = threads * keysPerThread;
        this.ids = new AtomicReferenceArray<>(keys);
        this.versions = new AtomicLongArray(keys);
        this.lengths = new int[keys];
    }

    static int randomLength(SplittableRandom r) {
        int k = r.nextInt(100);
        if (k < 70) {
            return 1 + r.nextInt(300);
        }
        if (k < 97) {
            return 300 + r.nextInt(4000);
        }
        return 4000 + r.nextInt(40_000);
    }

    /**
     * Runs the workload for {@code duration} with cycles back to back; verifies everything at the end. For
     * the GC-storm children, whose point is a storm of a given length.
     */
    public Result run(Duration duration, Runnable progress) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        return run(soFar -> System.nanoTime() - end >= 0, null, progress);
    }

    /**
     * Runs cycles back to back until {@code enough} holds of the work done so far (checked after each
     * cycle), then verifies everything. {@code hangGuard} only fails a run that never gets there; it
     * does not depend on how fast the machine is.
     */
    public Result runUntil(Predicate<Result> enough, Duration hangGuard, Runnable progress) throws Exception {
        return run(enough, hangGuard, progress);
    }

    private Result run(Predicate<Result> enough, Duration hangGuard, Runnable progress) throws Exception {
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            workers.add(Thread.ofPlatform().name("workload-" + t).start(() -> work(index)));
        }
        List<CycleReport> reports = new ArrayList<>();
        long started = System.nanoTime();
        long nextProgress = started;
        Random pause = new Random(seed);
        boolean overdue = false;
        while (failure == null && !enough.test(soFar(reports))) {
            if (hangGuard != null && System.nanoTime() - started > hangGuard.toNanos()) {
                overdue = true;
                break;
            }
            CompactionCycle cycle = store.startCompaction();
            CycleReport r = null;
            while (r == null && failure == null) {
                try {
                    r = cycle.await(Duration.ofMillis(250)); // wakes for progress lines and a user's failure
                } catch (TimeoutException stillRunning) {
                    if (progress != null && System.nanoTime() > nextProgress) {
                        progress.run();
                        nextProgress = System.nanoTime() + 1_000_000_000L;
                    }
                }
            }
            if (r == null) {
                r = cycle.await();
            }
            if (!r.errors().isEmpty()) {
                throw new AssertionError("cycle " + r.cycle() + " reported errors: " + r.errors());
            }
            reports.add(r);
            // A seeded gap between cycles, so users also run with no cycle in progress (the point, not a wait).
            Thread.sleep(pause.nextInt(20));
            if (progress != null && System.nanoTime() > nextProgress) {
                progress.run();
                nextProgress = System.nanoTime() + 1_000_000_000L;
            }
        }
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        if (failure != null) {
            throw new AssertionError("workload failed (seed " + seed + ")", failure);
        }
        if (overdue) {
            throw new AssertionError("not done within " + hangGuard + " (seed " + seed + "): " + soFar(reports));
        }
        verifyAll();
        CycleReport last = store.compact();
        reports.add(last);
        verifyAll();
        return soFar(reports);
    }

    private Result soFar(List<CycleReport> reports) {
        long faults = 0;
        long byUsers = 0;
        for (CycleReport r : reports) {
            faults += r.pages().onFault() + r.pages().freshOnFault();
            byUsers += r.pages().byUsers();
        }
        return new Result(ops.get(), reads.get(), crossReads.get(), puts.get(), updates.get(), frees.get(),
                reports.size(), faults, byUsers, store.handlerFailures(), List.copyOf(reports));
    }

    public long opsSoFar() {
        return ops.get();
    }

    private void work(int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003 + index);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            byte[] heap = new byte[64 * 1024];
            int base = index * keysPerThread;
            while (!stop.get() && failure == null) {
                int key = base + r.nextInt(keysPerThread);
                RecordId id = ids.get(key);
                int op = r.nextInt(100);
                if (id == null) {
                    int len = randomLength(r);
                    int v = (int) versions.get(key) + 1;
                    Content.fill(buf, key, v, len);
                    RecordId nid = r.nextBoolean() ? store.put(buf.asSlice(0, len))
                            : store.put(java.util.Arrays.copyOf(Content.of(key, v, len), len));
                    lengths[key] = len;
                    versions.set(key, v);
                    ids.set(key, nid);
                    puts.incrementAndGet();
                } else if (op < 45) {
                    int len = lengths[key];
                    boolean native_ = r.nextBoolean();
                    int n = native_ ? store.read(id, buf) : store.read(id, heap);
                    MemorySegment got = native_ ? buf : MemorySegment.ofArray(heap);
                    int v = (int) versions.get(key);
                    int bad = Content.check(got, key, v, len);
                    if (n != len || bad >= 0) {
                        throw new AssertionError("key " + key + " " + id + " v" + v + ": length " + n + "/" + len
                                + ", first wrong byte " + bad);
                    }
                    reads.incrementAndGet();
                } else if (op < 70) {
                    crossRead(r, buf);
                } else if (op < 88) {
                    int len = lengths[key];
                    int v = (int) versions.get(key) + 1;
                    Content.fill(buf, key, v, len);
                    store.update(id, buf.asSlice(0, len));
                    versions.set(key, v);
                    updates.incrementAndGet();
                } else {
                    ids.set(key, null);
                    store.free(id);
                    frees.incrementAndGet();
                }
                ops.incrementAndGet();
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Reads another thread's key: any version published before or during the read is fine; freed is fine. */
    private void crossRead(SplittableRandom r, MemorySegment buf) {
        int key = r.nextInt(threads * keysPerThread);
        RecordId id = ids.get(key);
        if (id == null) {
            return;
        }
        long v0 = versions.get(key);
        int n;
        try {
            n = store.read(id, buf);
        } catch (StaleRecordException freed) {
            return;
        }
        long v1 = versions.get(key);
        for (long v = v0; v <= v1 + 1; v++) {
            if (Content.check(buf, key, (int) v, n) < 0) {
                crossReads.incrementAndGet();
                return;
            }
        }
        if (ids.get(key) != id) {
            return; // freed and replaced meanwhile: the read may have seen the old record's last version
        }
        throw new AssertionError("cross read of key " + key + " " + id + " (versions " + v0 + ".." + v1
                + ", " + n + " bytes) matches no version");
    }

    /** Every live key reads back exactly; the store holds exactly the live keys. */
    public void verifyAll() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024, 8);
            int live = 0;
            for (int key = 0; key < ids.length(); key++) {
                RecordId id = ids.get(key);
                if (id == null) {
                    continue;
                }
                live++;
                int n = store.read(id, buf);
                int bad = Content.check(buf, key, (int) versions.get(key), lengths[key]);
                if (n != lengths[key] || bad >= 0) {
                    throw new AssertionError("final check of key " + key + " " + id + ": length " + n + "/"
                            + lengths[key] + ", first wrong byte " + bad + " (seed " + seed + ")");
                }
            }
            if (store.liveRecords().size() != live) {
                throw new AssertionError("store holds " + store.liveRecords().size() + " records, expected " + live);
            }
        }
    }

    /** Child-JVM entry point: one store per strategy, with or without a GC storm. */
    public static void main(String[] args) throws Exception {
        Strategy only = args[0].equals("ALL") ? null : Strategy.valueOf(args[0]);
        int seconds = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        boolean storm = args.length > 3 && args[3].equals("gcstorm");
        GcStorm gcs = new GcStorm();
        if (storm) {
            gcs.start();
        }
        for (Strategy s : Strategy.values()) {
            if (only != null && s != only) {
                continue;
            }
            // User assist off: every page a user needs first is a fault taken in native state and served by a
            // Java thread of this JVM, the combination the safepoint rule is about.
            StoreConfig config = StoreConfig.builder(64L << 20).strategy(s).userAssist(false).build();
            try (CompactingStore store = CompactingStore.open(config)) {
                StoreWorkload w = new StoreWorkload(store, 3, 1500, seed);
                Result r = w.run(Duration.ofSeconds(seconds), () -> System.out.println(
                        "progress " + s + " ops=" + w.opsSoFar() + " gcs=" + gcs.collections()));
                if (r.handlerFailures() != 0) {
                    throw new AssertionError(s + ": " + r.handlerFailures() + " fault-handler failures");
                }
                System.out.println("OK " + s + " ops=" + r.ops() + " cycles=" + r.cycles() + " faults=" + r.faultsServed()
                        + " crossReads=" + r.crossReads() + " gcs=" + gcs.collections());
            }
        }
        gcs.close();
        System.out.println("DONE");
    }
}
